package io.sirocco.gateway.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.sirocco.accounts.KeyFixtures;
import io.sirocco.engine.demo.DemoModels;
import io.sirocco.launch.ChatOutcome;
import io.sirocco.launch.PackagedApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Scale-out end to end with the packaged service (target/quarkus-app): a migration run like the Helm hook Job
 * ({@code QUARKUS_INIT_AND_EXIT}), then two gateway JVMs and one worker JVM on their own ports, with the run's real
 * RabbitMQ vhost and a fresh PostgreSQL database. Concurrent streams go through both gateways; the worker is killed
 * with SIGKILL mid-run and restarted. Every request must complete or end cleanly, the requests still queued must be
 * served by the restarted worker, the ledger must hold exactly one row per request, and a key's rate limit must
 * hold across both gateways together. Then the broker drops every connection of the run's vhost
 * ({@code rabbitmqctl close_all_connections}): both roles must reconnect by themselves, with the same JVMs. Tool
 * calls and json_schema replies generated on the worker validate against their schemas, as in-process.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScaleOutIT {
    private static final String BASE_URL = System.getenv().getOrDefault("SIROCCO_DB_URL", "jdbc:postgresql://127.0.0.1:5432/sirocco");
    private static final String DB = "sirocco_scaleout_it_" + UUID.randomUUID().toString().substring(0, 8);
    private static final String DB_URL = BASE_URL.substring(0, BASE_URL.lastIndexOf('/') + 1) + DB;
    private static final String ADMIN_URL = BASE_URL.substring(0, BASE_URL.lastIndexOf('/') + 1) + "postgres";
    private static final Path DATA = Path.of("target/scaleout-it-data").toAbsolutePath();
    private static final int MAX_TOKENS = 300;
    private static final Duration TIMEOUT = Duration.ofSeconds(200);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<PackagedApp> gateways = new ArrayList<>();
    private PackagedApp worker;

    @BeforeAll
    void migrateAndStart() throws Exception {
        try (Connection c = DriverManager.getConnection(ADMIN_URL, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("create database " + DB);
        }
        DemoModels.writeIfMissing(DATA.resolve("models"));

        // The Helm hook Job: migrate, then exit 0.
        PackagedApp migrate = app("migrate", "migrate").env("QUARKUS_INIT_AND_EXIT", "true")
                .env("QUARKUS_FLYWAY_MIGRATE_AT_START", "true");
        migrate.launch();
        assertEquals(0, migrate.awaitExit(Duration.ofSeconds(120)), "migration exit status; see " + migrate.log());
        assertTrue(count("select count(*) from flyway_schema_history where success") >= 4, "migrations applied");

        worker = app("worker", "worker").env("SIROCCO_WORKER_MODELS", "mistral-tiny,mistral-embed");
        worker.launch();
        for (int i = 0; i < 2; i++) {
            gateways.add(app("gateway-" + (i + 1), "gateway"));
            gateways.get(i).launch();
        }
        worker.awaitReady();
        for (PackagedApp g : gateways) {
            g.awaitReady();
        }
    }

    /** A JVM of the scaled-out service; requests may wait up to 150 s in RabbitMQ for the restarted worker. */
    private static PackagedApp app(String name, String role) throws IOException {
        return PackagedApp.scaledOut("scaleout-it-" + name, role, DB_URL, DATA).env("SIROCCO_GATEWAY_QUEUE_TIMEOUT", "150s");
    }

    @AfterAll
    void stopAll() throws Exception {
        if (worker != null) {
            worker.stop();
        }
        gateways.forEach(PackagedApp::stop);
        try (Connection c = DriverManager.getConnection(ADMIN_URL, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("drop database if exists " + DB + " with (force)");
        }
    }

    @Test
    void streamsSurviveAWorkerKilledMidRunAndLimitsHoldAcrossGateways() throws Exception {
        String key = newKey(100_000);
        int requests = 16;
        List<ChatOutcome> outcomes = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(requests);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            ChatOutcome o = ChatOutcome.of(gateways.get(i % 2).uri("/"), true);
            outcomes.add(o);
            running.add(clients.submit(() -> o.send(http, key, MAX_TOKENS, TIMEOUT)));
        }
        // Kill the worker once streams are flowing (with 4 slots, the rest wait in RabbitMQ).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (outcomes.stream().filter(o -> o.contentChunks() >= 5 && !o.done()).count() < 2) {
            assertTrue(System.nanoTime() < deadline, "streams did not start: " + outcomes);
            Thread.sleep(20);
        }
        long killedAt = System.nanoTime();
        worker.kill9(); // SIGKILL
        Set<ChatOutcome> streamingAtKill = Set.copyOf(outcomes.stream().filter(o -> o.contentChunks() > 0 && !o.done()).toList());
        worker.start(); // on the same port, appending to the same log
        for (Future<?> f : running) {
            f.get(240, TimeUnit.SECONDS);
        }
        clients.shutdown();

        for (ChatOutcome o : outcomes) {
            assertTrue(o.clean(), "neither answered nor cleanly ended: " + o);
        }
        long margin = TimeUnit.SECONDS.toNanos(2); // a token in flight at the kill may still arrive
        List<ChatOutcome> queuedAtKill = outcomes.stream()
                .filter(o -> o.firstContentNanos() == 0 || o.firstContentNanos() - killedAt > margin).toList();
        assertTrue(queuedAtKill.size() >= 4, "the kill should leave requests queued: " + outcomes);
        for (ChatOutcome o : queuedAtKill) {
            assertTrue(o.answered(), "a request queued at the kill was not served after the restart: " + o);
        }
        assertTrue(streamingAtKill.stream().anyMatch(o -> "error".equals(o.finishReason())),
                "a stream cut by the kill must end with an error chunk: " + streamingAtKill);

        try (Connection c = DriverManager.getConnection(DB_URL, "postgres", "")) {
            for (ChatOutcome o : outcomes) {
                try (PreparedStatement ps = c.prepareStatement(
                        "select count(*), min(completion_tokens), min(status) from usage_ledger where request_id = ?")) {
                    ps.setString(1, o.requestId());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertEquals(1, rs.getInt(1), "ledger rows for " + o);
                        if (o.usage() != null) {
                            assertEquals(o.usage().path("completion_tokens").asInt(), rs.getInt(2),
                                    "billed tokens = the tokens the client was streamed: " + o);
                        }
                        assertEquals(o.answered() ? "completed" : "failed", rs.getString(3), o.toString());
                    }
                }
            }
        }

        embeddingsAreComputedOnTheWorker(key);
        rateLimitHoldsAcrossBothGateways();
    }

    /**
     * A forced tool call and a json_schema reply, generated on the worker JVM and relayed by each gateway JVM: the
     * same guarantees as in-process (the grammar travels with the request): the call's arguments and the reply
     * validate against their schemas, the streamed call carries the same arguments as the unstreamed one (same
     * seed), and each request has its ledger row.
     */
    @Test
    void toolCallsAndJsonSchemaRepliesAreValidThroughTheWorker() throws Exception {
        String key = newKey(100);
        String args = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"maxLength\":12},"
                + "\"days\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":7}},\"required\":[\"city\",\"days\"],"
                + "\"additionalProperties\":false}";
        String toolBody = "{\"model\":\"mistral-tiny\",\"max_tokens\":200,\"temperature\":0.8,\"random_seed\":7,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Oslo?\"}],\"tool_choice\":\"any\","
                + "\"parallel_tool_calls\":false,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"parameters\":" + args + "}}]}";
        List<String> requestIds = new ArrayList<>();
        HttpResponse<String> r = http.send(post(gateways.get(0), key, "/v1/chat/completions", toolBody),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        requestIds.add(r.headers().firstValue("x-request-id").orElseThrow());
        JsonNode choice = JSON.readTree(r.body()).path("choices").path(0);
        assertEquals("tool_calls", choice.path("finish_reason").asText(), r.body());
        JsonNode call = choice.path("message").path("tool_calls").path(0);
        assertEquals("get_weather", call.path("function").path("name").asText(), r.body());
        assertEquals(9, call.path("id").asText().length(), "Mistral's 9-character ids: " + r.body());
        assertValid(args, call.path("function").path("arguments").asText());

        HttpResponse<String> s = http.send(post(gateways.get(1), key, "/v1/chat/completions",
                toolBody.replace("{\"model\"", "{\"stream\":true,\"model\"")), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, s.statusCode(), s.body());
        requestIds.add(s.headers().firstValue("x-request-id").orElseThrow());
        JsonNode streamedCall = null;
        for (String line : s.body().split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode delta = JSON.readTree(line.substring(6)).path("choices").path(0).path("delta");
                if (delta.has("tool_calls")) {
                    streamedCall = delta.path("tool_calls").path(0);
                }
            }
        }
        assertTrue(streamedCall != null, s.body());
        assertEquals(call.path("function").path("arguments").asText(), streamedCall.path("function").path("arguments").asText(),
                "the same seed gives the same call through either gateway, streamed or not");
        assertTrue(s.body().contains("\"finish_reason\":\"tool_calls\"") && s.body().endsWith("data: [DONE]\n\n"), s.body());

        String person = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":10},"
                + "\"tags\":{\"type\":\"array\",\"items\":{\"enum\":[\"a\",\"b\"]},\"maxItems\":3},"
                + "\"ok\":{\"type\":\"boolean\"}},\"required\":[\"name\",\"tags\",\"ok\"],\"additionalProperties\":false}";
        for (int seed = 1; seed <= 2; seed++) {
            HttpResponse<String> j = http.send(post(gateways.get(seed % 2), key, "/v1/chat/completions",
                    "{\"model\":\"mistral-tiny\",\"max_tokens\":150,\"temperature\":1,\"random_seed\":" + seed
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\"A person\"}],\"response_format\":{\"type\":"
                            + "\"json_schema\",\"json_schema\":{\"name\":\"p\",\"strict\":true,\"schema\":" + person + "}}}"),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, j.statusCode(), j.body());
            requestIds.add(j.headers().firstValue("x-request-id").orElseThrow());
            JsonNode c = JSON.readTree(j.body()).path("choices").path(0);
            assertEquals("stop", c.path("finish_reason").asText(), j.body());
            assertValid(person, c.path("message").path("content").asText());
        }
        try (Connection c = DriverManager.getConnection(DB_URL, "postgres", "");
             PreparedStatement ps = c.prepareStatement(
                     "select count(*) from usage_ledger where status = 'completed' and request_id = ?")) {
            for (String id : requestIds) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(1, rs.getInt(1), "one completed ledger row for " + id);
                }
            }
        }
    }

    private static void assertValid(String schema, String document) throws IOException {
        var errors = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema)
                .validate(JSON.readTree(document));
        assertTrue(errors.isEmpty(), document + ": " + errors);
    }

    private static HttpRequest post(PackagedApp gateway, String key, String path, String body) {
        return HttpRequest.newBuilder(gateway.uri(path))
                .timeout(Duration.ofSeconds(200)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /**
     * The broker closes every connection of the run's vhost while clients keep sending: the gateways and the
     * worker (each with its {@link Reconnector}) connect again by themselves, with the same JVMs. Requests sent
     * meanwhile end cleanly (a 200, a 503/429 with Retry-After, or a stream's error chunk), and within a bound
     * both gateways serve again.
     */
    @Test
    void bothRolesReconnectAfterTheBrokerDropsTheirConnections() throws Exception {
        String vhost = System.getenv().getOrDefault("SIROCCO_RABBITMQ_VHOST", "/");
        org.junit.jupiter.api.Assumptions.assumeFalse(vhost.equals("/"),
                "closing every connection of the default vhost would disturb others: run with SIROCCO_RABBITMQ_VHOST");
        String key = newKey(100_000);
        for (PackagedApp gateway : gateways) {
            assertTrue(ChatOutcome.of(gateway.uri("/"), false).send(http, key, 4, TIMEOUT).answered());
        }
        List<PackagedApp> apps = List.of(gateways.get(0), gateways.get(1), worker);
        List<Long> pids = apps.stream().map(PackagedApp::pid).toList();
        long workerLogBefore = java.nio.file.Files.size(worker.log());

        List<ChatOutcome> during = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean sending = new java.util.concurrent.atomic.AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(2);
        List<Future<?>> running = new ArrayList<>();
        for (int g = 0; g < 2; g++) {
            int gateway = g;
            running.add(clients.submit(() -> {
                while (sending.get()) {
                    ChatOutcome o = ChatOutcome.of(gateways.get(gateway).uri("/"), true).send(http, key, 8, TIMEOUT);
                    during.add(o);
                    if (!o.answered()) {
                        Thread.sleep(200);
                    }
                }
                return null;
            }));
        }
        Thread.sleep(1_000);
        Process close = new ProcessBuilder("rabbitmqctl", "close_all_connections", "-p", vhost, "ScaleOutIT: broker drop")
                .redirectErrorStream(true).start();
        String closeOutput = new String(close.getInputStream().readAllBytes());
        assertTrue(close.waitFor(60, TimeUnit.SECONDS) && close.exitValue() == 0, "rabbitmqctl: " + closeOutput);
        long closedAt = System.nanoTime(); // rabbitmqctl returns once the connections are closed

        // Both gateways serve again within the bound (requests reach the worker only once all three reconnected).
        long deadline = closedAt + TimeUnit.SECONDS.toNanos(60);
        Set<URI> servedAfter = ConcurrentHashMap.newKeySet(); // by gateway
        while (servedAfter.size() < 2) {
            assertTrue(System.nanoTime() < deadline, "not served again within 60 s of the drop: " + during);
            for (ChatOutcome o : during) {
                if (o.answered() && o.firstContentNanos() > closedAt) {
                    servedAfter.add(o.uri());
                }
            }
            Thread.sleep(100);
        }
        sending.set(false);
        for (Future<?> f : running) {
            f.get(120, TimeUnit.SECONDS);
        }
        clients.shutdown();
        for (ChatOutcome o : during) {
            assertTrue(o.clean(), "neither answered nor cleanly ended: " + o);
        }
        for (PackagedApp gateway : gateways) { // and keep serving: a recovered connection, not one lucky request
            ChatOutcome after = ChatOutcome.of(gateway.uri("/"), false).send(http, key, 4, TIMEOUT);
            assertTrue(after.answered(), "after the drop: " + after);
        }
        for (int i = 0; i < apps.size(); i++) {
            assertTrue(apps.get(i).isAlive() && apps.get(i).pid() == pids.get(i),
                    "a JVM exited instead of reconnecting: pid " + pids.get(i));
        }
        String workerLog = java.nio.file.Files.readString(worker.log()).substring((int) workerLogBefore);
        assertTrue(workerLog.contains("worker lost RabbitMQ") && workerLog.contains("worker reconnected to RabbitMQ"),
                "the worker noticed the drop and reconnected on its own: " + workerLog);
        for (PackagedApp app : apps) {
            app.awaitReady();
        }
    }

    private void embeddingsAreComputedOnTheWorker(String key) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(gateways.get(1).uri("/v1/embeddings"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"mistral-embed\",\"input\":[\"wind\",\"calm sea\"]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode data = JSON.readTree(r.body()).path("data");
        assertEquals(2, data.size());
        assertEquals(1024, data.path(0).path("embedding").size(), "mistral-embed vectors have 1024 dimensions");
    }

    private void rateLimitHoldsAcrossBothGateways() throws Exception {
        String key = newKey(6);
        // Fixed one-minute windows on the database clock: stay inside one.
        if (count("select extract(second from now())::int") > 40) {
            Thread.sleep((61 - count("select extract(second from now())::int")) * 1000L);
        }
        int ok = 0;
        int limited = 0;
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = http.send(ChatOutcome.of(gateways.get(i % 2).uri("/"), false).request(key, 1, TIMEOUT),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                ok++;
            } else if (r.statusCode() == 429) {
                assertTrue(r.body().contains("rate_limit_requests"), r.body());
                limited++;
            } else {
                fail("unexpected " + r.statusCode() + ": " + r.body());
            }
        }
        assertEquals(6, ok, "6 requests per minute in total, whichever gateway serves them");
        assertEquals(4, limited);
    }

    /** An organization with {@code rpm} requests per minute, and an API key of it. */
    private static String newKey(int rpm) throws SQLException {
        return KeyFixtures.newKey(DB_URL, "scale-out it", rpm, 10_000_000);
    }

    private static int count(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(DB_URL, "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
