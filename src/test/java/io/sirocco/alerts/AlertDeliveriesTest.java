package io.sirocco.alerts;

import com.sun.net.httpserver.HttpServer;
import io.agroal.api.AgroalDataSource;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.junit.QuarkusTest;
import io.sirocco.billing.Admission;
import io.sirocco.billing.BillingAccounts;
import io.sirocco.billing.Metering;
import io.sirocco.billing.UsageStatus;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A spend cap crossed by real metering reaches the org's owners by mail and a local webhook receiver by a signed POST
 * that is retried after the receiver's first 500, and accepted exactly once.
 */
@QuarkusTest
class AlertDeliveriesTest {

    record Received(String body, String signature, String deliveryId, int answered) {
    }

    @Inject
    Metering metering;
    @Inject
    BillingAccounts accounts;
    @Inject
    Webhooks webhooks;
    @Inject
    AlertDeliveries deliveries;
    @Inject
    MockMailbox mailbox;
    @Inject
    AgroalDataSource db;
    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "sirocco.alerts.retry-base")
    Duration retryBase;

    @Test
    void aCrossedCapIsMailedToOwnersAndPostedSignedWithARetryAfterA500() throws Exception {
        List<Received> received = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = calls.incrementAndGet() == 1 ? 500 : 204; // the first call fails
            received.add(new Received(body, ex.getRequestHeaders().getFirst("Sirocco-Signature"),
                    ex.getRequestHeaders().getFirst("Sirocco-Delivery"), status));
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
        try {
            UUID org = UUID.randomUUID();
            String owner = "owner-" + org.toString().substring(0, 8) + "@test.sirocco.local";
            String developer = "dev-" + org.toString().substring(0, 8) + "@test.sirocco.local";
            exec("insert into organizations (id, name) values (?, ?)", org, "Alerts " + org);
            exec("insert into org_members (org_id, user_id, email, role) values (?, ?, ?, 'owner')", org, "u-" + org, owner);
            exec("insert into org_members (org_id, user_id, email, role) values (?, ?, ?, 'developer')", org, "d-" + org,
                    developer);
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
            String secret = webhooks.save(org, url, "test").secret();
            String stored = storedSecret(org);
            assertTrue(stored.startsWith("v1:") && !stored.contains(secret.substring("whsec_".length())),
                    "the secret is encrypted at rest (%test sets sirocco.alerts.webhook.secret-key): " + stored);

            // 1000 in + 100 out on mistral-small = 0.00078 EUR against a 0.0009 cap: 86.7 %, the 80 % alert
            accounts.setOrgCap(org, new BigDecimal("0.0009"));
            Admission a = metering.admit("req-" + UUID.randomUUID(), org, null, "mistral-small", 1000, 100);
            metering.settle(a, 1000, 100, UsageStatus.COMPLETED);

            await().atMost(Duration.ofSeconds(20)).until(() -> received.stream().anyMatch(r -> r.answered() == 204));
            Thread.sleep(1500); // nothing more arrives once it was accepted
            assertEquals(2, received.size(), "one failed call and one retry: " + received);
            Received first = received.get(0);
            Received retry = received.get(1);
            assertEquals(500, first.answered());
            assertEquals(first.deliveryId(), retry.deliveryId(), "a retry keeps its delivery id");
            assertEquals(first.body(), retry.body(), "a retry sends the same body");
            assertTrue(verify(secret, retry.signature(), retry.body()), "the signature verifies: " + retry.signature());
            assertFalse(verify("whsec_other", retry.signature(), retry.body()), "and only with the secret");
            Map<?, ?> alert = new com.fasterxml.jackson.databind.ObjectMapper().readValue(retry.body(), Map.class);
            assertEquals("budget.alert", alert.get("type"));
            assertEquals(80, alert.get("threshold_percent"));
            assertEquals(org.toString(), alert.get("org_id"));
            assertEquals(0, new BigDecimal("0.00078").compareTo(new BigDecimal((String) alert.get("spent_eur"))),
                    "exact money as a string");

            List<Mail> mails = mailbox.getMailsSentTo(owner);
            assertEquals(1, mails.size(), "the owner is mailed once");
            assertTrue(mails.getFirst().getSubject().contains("80%"), mails.getFirst().getSubject());
            assertTrue(mailbox.getMailsSentTo(developer).isEmpty(), "only owners are mailed");

            List<AlertDeliveries.Delivery> log = deliveries.log(org, 10);
            AlertDeliveries.Delivery hook = log.stream().filter(d -> d.channel().equals("webhook")).findFirst().orElseThrow();
            assertEquals("delivered", hook.status());
            assertEquals(2, hook.attempts());
            assertEquals("HTTP 204", hook.lastResult());
            assertEquals("delivered", log.stream().filter(d -> d.channel().equals("email")).findFirst().orElseThrow().status());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void backoffDoublesAndBadUrlsAreRefused() {
        assertEquals(retryBase, deliveries.backoff(1));
        assertEquals(retryBase.multipliedBy(4), deliveries.backoff(3));
        UUID org = UUID.randomUUID();
        assertThrows(IllegalArgumentException.class, () -> webhooks.save(org, "ftp://example.com/x", "t"));
        assertThrows(IllegalArgumentException.class, () -> webhooks.save(org, "http://user:pw@example.com/", "t"));
        assertThrows(IllegalArgumentException.class, () -> webhooks.save(org, "", "t"));
    }

    private String storedSecret(UUID org) throws Exception {
        try (var c = db.getConnection(); var ps = c.prepareStatement("select secret from alert_webhooks where org_id = ?")) {
            ps.setObject(1, org);
            try (var rs = ps.executeQuery()) {
                assertTrue(rs.next());
                return rs.getString(1);
            }
        }
    }

    /** An independent check of the documented scheme: hex HMAC-SHA256 of "t.body" with the secret. */
    static boolean verify(String secret, String header, String body) throws Exception {
        String t = header.replaceAll(".*t=(\\d+).*", "$1");
        String v1 = header.replaceAll(".*v1=([0-9a-f]+).*", "$1");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8))).equals(v1);
    }

    void exec(String sql, Object... args) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }
}
