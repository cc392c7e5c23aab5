package io.sirocco.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sirocco.accounts.Fixtures;
import io.sirocco.accounts.WebSession;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console playground's route: the session (not a key) authenticates it, the page's CSRF token guards it, and a
 * turn is an API call billed to the member's org through their playground key, whose cost in the stream is the
 * ledger row's.
 */
@QuarkusTest
class PlaygroundTest {
    private static final Pattern CSRF = Pattern.compile("data-csrf=\"([^\"]+)\"");
    private static final String TURN = """
            {"model":"mistral-tiny","stream":true,"max_tokens":8,"random_seed":7,"temperature":0.5,
             "messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello"}]}""";

    @TestHTTPResource("/")
    URI base;
    @Inject
    MockMailbox mailbox;
    @Inject
    AgroalDataSource db;

    @Test
    void aTurnStreamsAsTheMembersOrgAndCostsWhatTheLedgerRecords() throws Exception {
        Fixtures.Customer c = Fixtures.customer(base, mailbox, "playground");
        WebSession s = WebSession.login(base, "/console/playground", c.email(), c.password());
        WebSession.Page page = s.get("/console/playground");
        assertEquals(200, page.status());
        assertTrue(page.body().contains("<option value=\"mistral-tiny\">"), "the page offers the models");
        assertTrue(page.body().contains("data-base-url=\"" + base.toString().replaceAll("/$", "") + "\""),
                "curl shows the visitor's base URL");
        assertFalse(page.body().contains("sk-"), "no key on the page");
        Matcher m = CSRF.matcher(page.body());
        assertTrue(m.find());
        String csrf = m.group(1);

        assertEquals(403, s.postJson(PlaygroundRoute.PATH, TURN, Map.of()).status(), "no CSRF token");
        assertEquals(403, s.postJson(PlaygroundRoute.PATH, TURN, Map.of(PlaygroundRoute.CSRF_HEADER, "x".repeat(43)))
                .status(), "a wrong CSRF token");

        WebSession.Page turn = s.postJson(PlaygroundRoute.PATH, TURN, Map.of(PlaygroundRoute.CSRF_HEADER, csrf));
        assertEquals(200, turn.status(), turn.body());
        assertTrue(turn.header("content-type").startsWith("text/event-stream"));
        assertTrue(turn.body().endsWith("data: [DONE]\n\n"), turn.body());
        String requestId = turn.header("x-request-id");
        assertNotNull(requestId);
        JsonNode usage = lastUsage(turn.body());
        BigDecimal streamed = new BigDecimal(usage.path("cost_eur").asText());
        assertTrue(streamed.signum() > 0, usage.toString());

        // The ledger row (written by the usage consumer) is the member's org and playground key, at that cost.
        await().atMost(Duration.ofSeconds(10)).until(() -> ledgerCost(requestId) != null);
        assertEquals(0, streamed.compareTo(ledgerCost(requestId)), "stream " + streamed + " vs ledger");
        try (Connection conn = db.getConnection(); PreparedStatement ps = conn.prepareStatement("""
                select l.org_id, k.playground_for, k.name, l.prompt_tokens, l.completion_tokens
                from usage_ledger l join api_keys k on k.id = l.key_id where l.request_id = ?""")) {
            ps.setString(1, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(c.orgId(), rs.getObject(1, UUID.class));
                assertEquals(c.userId(), rs.getString(2));
                assertEquals("Playground (" + c.email() + ")", rs.getString(3));
                assertEquals(usage.path("prompt_tokens").asInt(), rs.getInt(4));
                assertEquals(usage.path("completion_tokens").asInt(), rs.getInt(5));
            }
        }

        // A second turn uses the same key; API errors come back in the API's shape.
        assertEquals(200, s.postJson(PlaygroundRoute.PATH, TURN, Map.of(PlaygroundRoute.CSRF_HEADER, csrf)).status());
        assertEquals(1, playgroundKeys(c.orgId()));
        WebSession.Page bad = s.postJson(PlaygroundRoute.PATH, TURN.replace("0.5", "9"),
                Map.of(PlaygroundRoute.CSRF_HEADER, csrf));
        assertEquals(422, bad.status(), bad.body());
        assertTrue(bad.body().contains("temperature"), bad.body());
    }

    @Test
    void refusesCallersWithoutASessionAndAdmins() {
        given().contentType("application/json").body(TURN).post(PlaygroundRoute.PATH).then().statusCode(401);
        given().contentType("application/json").auth().oauth2("sk-" + "A".repeat(43)).body(TURN)
                .post(PlaygroundRoute.PATH).then().statusCode(401);
        WebSession admin = WebSession.login(base, "/admin/waitlist", "admin", "admin");
        assertEquals(403, admin.get("/console/playground").status());
        assertEquals(403, admin.postJson(PlaygroundRoute.PATH, TURN, Map.of(PlaygroundRoute.CSRF_HEADER, "x".repeat(43)))
                .status());
    }

    private static JsonNode lastUsage(String sse) throws Exception {
        JsonNode usage = null;
        for (String event : sse.split("\n\n")) {
            if (event.startsWith("data: {")) {
                JsonNode j = new ObjectMapper().readTree(event.substring(6));
                if (j.has("usage")) {
                    usage = j.get("usage");
                }
            }
        }
        assertNotNull(usage, sse);
        return usage;
    }

    private BigDecimal ledgerCost(String requestId) throws Exception {
        try (Connection conn = db.getConnection();
             PreparedStatement ps = conn.prepareStatement("select cost_eur from usage_ledger where request_id = ?")) {
            ps.setString(1, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBigDecimal(1) : null;
            }
        }
    }

    private int playgroundKeys(UUID org) {
        return (int) io.sirocco.billing.Fixtures.count(db,
                "select count(*) from api_keys where org_id = ? and playground_for is not null", org);
    }
}
