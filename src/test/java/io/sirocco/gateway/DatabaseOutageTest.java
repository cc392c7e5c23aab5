package io.sirocco.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.billing.UsageSpool;
import io.sirocco.gateway.TestKeys.Key;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PostgreSQL goes away for real (a private server, stopped and started again on the same port and data):
 * <ul>
 *     <li>a request that needs the database meanwhile gets a 503 {@code database_unavailable} with Retry-After, fast,
 *     and never a 500;</li>
 *     <li>a request admitted before the outage and answered during it keeps its usage in the {@link UsageSpool}, and
 *     once PostgreSQL is back its ledger row is written exactly once;</li>
 *     <li>replaying the same spooled row again (a crash between the ledger write and the file's removal) changes
 *     nothing: one row, the same hourly rollup and month spend;</li>
 *     <li>a row the database refuses for good (a constraint) is set aside in the spool's quarantine folder;</li>
 *     <li>the service serves again without a restart.</li>
 * </ul>
 */
@QuarkusTest
@TestProfile(DatabaseOutageTest.Profile.class)
class DatabaseOutageTest extends ApiTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DIR = Path.of("target/database-outage-test").toAbsolutePath();
    private static final int PORT = freePort();
    private static EmbeddedPostgres pg;

    /** Fake engines, on a PostgreSQL of this test's own, with a short pool wait. */
    public static class Profile extends FakeEngineProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            if (pg == null) {
                startPostgres(true);
            }
            Map<String, String> m = new HashMap<>(super.getConfigOverrides());
            m.put("sirocco.test.hold-model-loading", "false");
            m.put("quarkus.datasource.jdbc.url", url());
            m.put("quarkus.datasource.jdbc.acquisition-timeout", "2s");
            m.put("sirocco.billing.usage-spool-dir", DIR.resolve("usage-spool").toString()); // this database's rows only
            return m;
        }
    }

    @Inject
    UsageSpool spool;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();

    static synchronized void startPostgres(boolean fresh) {
        try {
            if (fresh) {
                deleteTree(DIR);
            }
            pg = EmbeddedPostgres.builder().setDataDirectory(DIR.resolve("pg")).setCleanDataDirectory(false)
                    .setPort(PORT).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static synchronized void stopPostgres() {
        try {
            pg.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopAfterwards() {
        stopPostgres();
    }

    @Test
    void answeredRequestsAreBilledOnceAndNewOnesGetA503WhilePostgresIsAway() throws Exception {
        Key key = keys.create();
        assertEquals(200, chat(key).statusCode(), "served before the outage");

        // A request admitted (its budget reserved) and waiting in the engine when PostgreSQL stops.
        FakeEngine.paused = true;
        CompletableFuture<HttpResponse<String>> held;
        String heldId;
        try {
            held = http.sendAsync(jsonPost(key, "v1/chat/completions", body(), Duration.ofSeconds(60)),
                    HttpResponse.BodyHandlers.ofString());
            heldId = await().atMost(Duration.ofSeconds(30)).until(() -> reservedRequest(key.orgId()), id -> id != null);
            stopPostgres();
        } finally {
            FakeEngine.paused = false;
        }
        HttpResponse<String> answered = held.get();
        assertEquals(200, answered.statusCode(), answered.body());
        assertEquals(heldId, answered.headers().firstValue("x-request-id").orElseThrow());
        JsonNode usage = JSON.readTree(answered.body()).path("usage");
        assertTrue(usage.path("completion_tokens").asInt() > 0, answered.body());
        Path spooled = spool.directory().resolve(heldId + ".json");
        assertTrue(Files.isRegularFile(spooled), "its usage waits in the spool: " + spooled);
        String spooledRow = Files.readString(spooled);

        // A request that needs the database now: a fast 503 with Retry-After, not a 500 after a long wait.
        Key other = new Key(UUID.randomUUID(), UUID.randomUUID(), io.sirocco.accounts.KeySecrets.newSecret()); // unknown
        for (Key k : List.of(key, other)) {
            long start = System.nanoTime();
            HttpResponse<String> refused = chat(k);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(refused.headers().firstValue("retry-after").isPresent(), "Retry-After");
            assertEquals("database_unavailable", JSON.readTree(refused.body()).path("error").path("code").asText());
            assertTrue(ms < 15_000, "answered in " + ms + " ms");
        }
        Thread.sleep(3_000); // a replay or two while PostgreSQL is still away: the row stays in the spool
        assertTrue(Files.isRegularFile(spooled), "kept while the database is away");

        startPostgres(false);
        await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(spooled));
        assertEquals(1, ledgerRows(heldId), "written once from the spool");
        assertEquals(usage.path("completion_tokens").asInt(), completionTokens(heldId));
        assertEquals(0, count("select count(*) from budget_reservations where request_id = ?", heldId),
                "its reservation is released");
        String spendBefore = spendOf(key.orgId());

        // The same row replayed again (as after a crash between the ledger write and the file's removal).
        Files.writeString(spool.directory().resolve(heldId + ".json"), spooledRow);
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(spooled));
        assertEquals(1, ledgerRows(heldId), "a replayed row is recorded once");
        assertEquals(spendBefore, spendOf(key.orgId()), "rollup and month spend are not charged twice");

        // A row the database refuses for good (its organization does not exist): tried a few times, then set aside in
        // the quarantine folder with its reason, counted, and no longer replayed every 2 s.
        String orphanId = "orphan-" + UUID.randomUUID();
        Files.writeString(spool.directory().resolve(orphanId + ".json"),
                spooledRow.replace(heldId, orphanId).replace(key.orgId().toString(), UUID.randomUUID().toString()));
        Path aside = spool.quarantine().resolve(orphanId + ".json");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(aside));
        assertTrue(Files.readString(spool.quarantine().resolve(orphanId + ".json.reason.txt")).contains("foreign key"));
        assertEquals(1, spool.quarantined());
        assertEquals(0, ledgerRows(orphanId));

        // Serving again, with the same JVM.
        await().atMost(Duration.ofSeconds(30)).until(() -> chat(key).statusCode() == 200);
        assertEquals(0, spool.pending());
    }

    private HttpResponse<String> chat(Key key) throws Exception {
        return http.send(jsonPost(key, "v1/chat/completions", body(), Duration.ofSeconds(60)),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String body() {
        return """
                {"model":"mistral-tiny","messages":[{"role":"user","content":"Wind?"}],"max_tokens":4}""";
    }

    private static String reservedRequest(UUID org) {
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(
                "select request_id from budget_reservations where org_id = ?")) {
            ps.setObject(1, org);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int ledgerRows(String requestId) throws SQLException {
        return count("select count(*) from usage_ledger where request_id = ?", requestId);
    }

    private static int completionTokens(String requestId) throws SQLException {
        return count("select completion_tokens from usage_ledger where request_id = ?", requestId);
    }

    /** The org's hourly rollup (requests, tokens, cost) and month spend, as one comparable line. */
    private static String spendOf(UUID org) throws SQLException {
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement("""
                select (select sum(requests) || ' ' || sum(completion_tokens) || ' ' || sum(output_cost_eur)
                          from usage_hourly where org_id = ?),
                       (select string_agg(spent_eur::text, ',') from budget_periods where scope_id = ?)""")) {
            ps.setObject(1, org);
            ps.setObject(2, org);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1) + " / " + rs.getString(2);
            }
        }
    }

    private static int count(String sql, String arg) throws SQLException {
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    private static Connection db() throws SQLException {
        return DriverManager.getConnection(url(), "postgres", "");
    }

    private static String url() {
        return "jdbc:postgresql://127.0.0.1:" + PORT + "/postgres";
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
