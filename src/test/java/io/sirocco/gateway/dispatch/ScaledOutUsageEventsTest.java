package io.sirocco.gateway.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.billing.Admission;
import io.sirocco.billing.Metering;
import io.sirocco.billing.UsageEvent;
import io.sirocco.billing.UsageStatus;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * With the {@code scaleout} profile (what the Helm chart runs), usage events leave the JVM through a durable RabbitMQ
 * queue, and the billing consumer records events from any gateway exactly once.
 */
@QuarkusTest
@TestProfile(ScaledOutUsageEventsTest.ScaleOut.class)
class ScaledOutUsageEventsTest {

    public static class ScaleOut implements QuarkusTestProfile {
        @Override
        public String getConfigProfile() {
            return "test,scaleout";
        }
    }

    @Inject
    Metering metering;
    @Inject
    AgroalDataSource db;
    @Inject
    ObjectMapper json;

    private UUID org;
    private UUID key;

    @BeforeEach
    void organizationAndKey() throws Exception {
        org = UUID.randomUUID();
        key = UUID.randomUUID();
        try (var c = db.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("insert into organizations (id, name) values (?, 'scale-out test')")) {
                ps.setObject(1, org);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("insert into api_keys (id, org_id, name, key_prefix, key_hash) "
                    + "values (?, ?, 'k', 'sk-test', ?)")) {
                ps.setObject(1, key);
                ps.setObject(2, org);
                ps.setString(3, String.format("%064x", key.getLeastSignificantBits() & Long.MAX_VALUE));
                ps.executeUpdate();
            }
        }
    }

    @Test
    void aSettledRequestIsPublishedOnTheUsageExchange() throws Exception {
        try (Connection rabbit = DispatchTest.RABBIT.connect("usage-tap", false); Channel ch = rabbit.createChannel()) {
            // Our own queue on the same fanout exchange sees what this gateway publishes.
            String tap = ch.queueDeclare().getQueue();
            ch.queueBind(tap, "sirocco.usage", "");
            String requestId = "req-" + UUID.randomUUID();
            Admission a = metering.admit(requestId, org, key, "mistral-tiny", 10, 20);
            metering.settle(a, 10, 5, UsageStatus.COMPLETED);

            JsonNode published = await().atMost(10, TimeUnit.SECONDS).until(() -> next(ch, tap),
                    n -> n != null && requestId.equals(n.path("requestId").asText()));
            assertEquals(5, published.path("completionTokens").asInt());
            assertEquals(1, ledgerRows(requestId));
        }
    }

    @Test
    void eventsFromAnotherGatewayAreRecordedOnceEvenWhenDeliveredTwice() throws Exception {
        String requestId = "req-" + UUID.randomUUID();
        UsageEvent event = new UsageEvent(requestId, org, key, "mistral-small", 1_000, 500, UsageStatus.COMPLETED,
                Instant.now().minusSeconds(2), Instant.now(), new BigDecimal("0.001500000"));
        try (Connection rabbit = DispatchTest.RABBIT.connect("other-gateway", false); Channel ch = rabbit.createChannel()) {
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().contentType("application/json").deliveryMode(2).build();
            byte[] body = json.writeValueAsBytes(event);
            ch.basicPublish("sirocco.usage", "", props, body);
            ch.basicPublish("sirocco.usage", "", props, body); // at-least-once: the same event again
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> ledgerRows(requestId) == 1);
        Thread.sleep(500);
        assertEquals(1, ledgerRows(requestId));
        // 1000 × 0.60 € + 500 × 1.80 € per million tokens, exactly.
        assertEquals(0, new BigDecimal("0.0015").compareTo(ledgerCost(requestId)));
    }

    @Test
    void theUsageQueueIsDurable() throws Exception {
        try (Connection rabbit = DispatchTest.RABBIT.connect("usage-probe", false); Channel ch = rabbit.createChannel()) {
            // Redeclaring with durable=true succeeds only if the queue is durable (else PRECONDITION_FAILED).
            AMQP.Queue.DeclareOk ok = ch.queueDeclare("sirocco.usage-events", true, false, false, Map.of());
            assertNotNull(ok);
        }
    }

    private JsonNode next(Channel ch, String queue) throws Exception {
        GetResponse r = ch.basicGet(queue, true);
        return r == null ? null : json.readTree(new String(r.getBody(), StandardCharsets.UTF_8));
    }

    private int ledgerRows(String requestId) throws Exception {
        try (var c = db.getConnection(); PreparedStatement ps = c.prepareStatement("select count(*) from usage_ledger where request_id = ?")) {
            ps.setString(1, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private BigDecimal ledgerCost(String requestId) throws Exception {
        try (var c = db.getConnection(); PreparedStatement ps = c.prepareStatement("select cost_eur from usage_ledger where request_id = ?")) {
            ps.setString(1, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBigDecimal(1);
            }
        }
    }
}
