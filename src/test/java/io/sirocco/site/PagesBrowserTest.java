package io.sirocco.site;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sirocco.accounts.Fixtures;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.SignupRateLimiter;
import io.sirocco.billing.PriceBook;
import io.sirocco.billing.Prices;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every page in headless Chromium ({@code src/test/js/pages/pages.mjs}, playwright-core and axe-core from npm), against
 * this one test server (an org owner, a developer and a billing teammate, an admin, an anonymous visitor): each role's pages at 1280 and 390 px with no serious or critical axe violation (screenshots
 * under {@code target/pages-browser/} on failure), each role's links and refusals, the waitlist form's inline
 * messages and the mailed queue position, the landing prices against the price book before and after a scheduled
 * change, a playground turn that streams and whose shown cost is its usage-ledger row's, every /docs guide, a batch
 * job made through the console's form, the org switcher of a member of two orgs, and that every same-site link on
 * every audited page opens for its viewer.
 */
@QuarkusTest
class PagesBrowserTest {
    private static final Path SUITE = Path.of("src/test/js/pages");
    private static final String MODEL = "pages-browser-model";
    /** Long enough for the script's first look at the landing prices (Chromium's start), short of its end. */
    private static final Duration CHANGE_AFTER = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URI base;
    @Inject
    MockMailbox mailbox;
    @Inject
    AgroalDataSource db;
    @Inject
    PriceBook priceBook;
    @Inject
    SignupRateLimiter signupLimit;
    @Inject
    Organizations organizations;

    @AfterEach
    void dropTestPrices() throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("delete from price_book where model = ?")) {
            ps.setString(1, MODEL);
            ps.executeUpdate();
        }
    }

    @Test
    void everyPageInARealBrowser() throws Exception {
        assertTrue(Files.isDirectory(SUITE.resolve("node_modules/playwright-core"))
                && Files.isDirectory(SUITE.resolve("node_modules/axe-core")), "run `npm ci` in " + SUITE + " (./sirocco test does)");
        signupLimit.reset(); // other classes' tests sign up from this address too
        Fixtures.Customer customer = Fixtures.customer(base, mailbox, "pages");
        String developer = teammate(customer, "developer");
        String billing = teammate(customer, "billing");
        // The developer is also a billing member of a second org, so the navigation shows them the org switcher.
        Fixtures.Customer second = Fixtures.customer(base, mailbox, "pages2");
        organizations.addMember(second.orgId(), Fixtures.subject(Fixtures.token(developer, Fixtures.PASSWORD)),
                developer, "billing");

        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                insert into price_book (model, input_eur_per_mtok, output_eur_per_mtok, cached_input_eur_per_mtok,
                    valid_from) values (?, 0.3, 0.900000001, 0.03, now() - interval '1 day')""")) {
            ps.setString(1, MODEL);
            ps.executeUpdate();
        }
        Map<String, List<String>> before = shownPrices();
        // batch prices default to half the live ones, to the price book's 9 decimals (half up)
        assertEquals(List.of("0.3", "0.03", "0.900000001", "0.15", "0.450000001"), before.get(MODEL));
        Instant change = Instant.now().plus(CHANGE_AFTER);
        priceBook.schedule(MODEL, new BigDecimal("0.25"), new BigDecimal("1.1"), new BigDecimal("0.02"), change);
        Map<String, List<String>> after = new TreeMap<>(before);
        after.put(MODEL, List.of("0.25", "0.02", "1.1", "0.125", "0.55")); // batch: the default, half the live prices

        ObjectMapper json = new ObjectMapper();
        Path shots = Path.of("target/pages-browser").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder("node", "pages.mjs").directory(SUITE.toFile())
                .redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(Map.of("BASE_URL", base.toString().replaceAll("/$", ""),
                "KEYCLOAK_URL", Fixtures.keycloakUrl(), "CUSTOMER_USER", customer.email(),
                "CUSTOMER_PASSWORD", customer.password(), "SCREENSHOT_DIR", shots.toString(),
                "PRICES_BEFORE", json.writeValueAsString(before), "PRICES_AFTER", json.writeValueAsString(after),
                "CHANGE_AT", Long.toString(change.toEpochMilli())));
        pb.environment().putAll(Map.of("DEVELOPER_USER", developer, "BILLING_USER", billing));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the browser suite did not finish: " + out);
        }
        System.out.println("pages browser suite: " + out);
        JsonNode r = json.readTree(out.substring(out.lastIndexOf('\n') + 1));
        assertEquals(0, r.path("failures").size(), "failures (screenshots in " + shots + "): " + r.path("failures"));
        assertEquals(0, p.exitValue(), out);
        assertTrue(r.path("checks").asInt() > 100, "the suite ran its checks: " + r.path("checks"));

        // The cost the playground showed is the ledger row's, to the last digit, billed to the customer's org.
        JsonNode turn = r.path("playground");
        String requestId = turn.path("requestId").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> ledgerRow(requestId) != null);
        Object[] row = ledgerRow(requestId);
        assertNotNull(row);
        assertEquals(0, new BigDecimal(turn.path("cost").asText()).compareTo((BigDecimal) row[0]),
                "shown " + turn.path("cost").asText() + ", ledger " + row[0]);
        assertEquals(customer.orgId(), row[1]);
        assertEquals(customer.userId(), row[2], "billed through the member's playground key");
    }

    /** A teammate of the owner's org with this role, invited and accepted through the real flow; their email. */
    private String teammate(Fixtures.Customer owner, String role) {
        String email = Fixtures.uniqueEmail("pages-" + role);
        given().auth().oauth2(Fixtures.token(owner.email(), owner.password())).contentType(ContentType.JSON)
                .body(Map.of("email", email, "role", role))
                .post("/api/console/orgs/" + owner.orgId() + "/invitations").then().statusCode(201);
        assertEquals(303, Fixtures.accept(base, Fixtures.invitationToken(mailbox, email), "Pages", role,
                Fixtures.PASSWORD).status());
        return email;
    }

    /** The landing page's cells per model, as the price book in force now has them (the page's formatting). */
    private Map<String, List<String>> shownPrices() {
        Map<String, List<String>> rows = new TreeMap<>();
        for (PriceBook.Entry e : priceBook.currentAndScheduled()) {
            if (e.current()) {
                Prices batch = priceBook.pricesAt(e.model(), Instant.now(), true).orElseThrow();
                rows.put(e.model(), List.of(plain(e.inputEurPerMTok()),
                        e.cachedInputEurPerMTok() == null ? "—" : plain(e.cachedInputEurPerMTok()),
                        plain(e.outputEurPerMTok()), plain(batch.inputEurPerMTok()), plain(batch.outputEurPerMTok())));
            }
        }
        return rows;
    }

    private static String plain(BigDecimal d) {
        return d.stripTrailingZeros().toPlainString();
    }

    private Object[] ledgerRow(String requestId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                select l.cost_eur, l.org_id, k.playground_for from usage_ledger l
                left join api_keys k on k.id = l.key_id where l.request_id = ?""")) {
            ps.setString(1, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Object[] {rs.getBigDecimal(1), rs.getObject(2, UUID.class), rs.getString(3)} : null;
            }
        }
    }
}
