package io.sirocco.gateway.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.sirocco.accounts.KeySecrets;
import io.sirocco.engine.demo.DemoModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
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
import java.util.Iterator;
import java.util.List;
import java.util.Map;
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
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private int[] gatewayPorts;
    private int workerPort;
    private Process worker;

    @BeforeAll
    void migrateAndStart() throws Exception {
        try (Connection c = DriverManager.getConnection(ADMIN_URL, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("create database " + DB);
        }
        DemoModels.writeIfMissing(DATA.resolve("models"));

        // The Helm hook Job: migrate, then exit 0.
        Process migrate = launch("migrate", freePort(), Map.of("SIROCCO_ROLE", "migrate", "QUARKUS_INIT_AND_EXIT", "true",
                "QUARKUS_FLYWAY_MIGRATE_AT_START", "true"));
        assertTrue(migrate.waitFor(120, TimeUnit.SECONDS), "the migration run did not exit");
        assertEquals(0, migrate.exitValue(), "migration exit status; see target/scaleout-it-migrate.log");
        assertTrue(count("select count(*) from flyway_schema_history where success") >= 4, "migrations applied");

        workerPort = freePort();
        worker = startWorker();
        gatewayPorts = new int[]{freePort(), freePort()};
        for (int i = 0; i < 2; i++) {
            launch("gateway-" + (i + 1), gatewayPorts[i], Map.of("SIROCCO_ROLE", "gateway"));
        }
        waitReady(workerPort, "worker");
        for (int i = 0; i < 2; i++) {
            waitReady(gatewayPorts[i], "gateway-" + (i + 1));
        }
    }

    @AfterAll
    void stopAll() throws Exception {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        try (Connection c = DriverManager.getConnection(ADMIN_URL, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("drop database if exists " + DB + " with (force)");
        }
    }

    /** One client request and what it saw. */
    static final class Outcome {
        final int gateway;
        volatile int status;
        volatile String requestId;
        volatile String retryAfter;
        volatile long firstContentNanos;
        volatile int contentChunks;
        volatile String finishReason;
        volatile JsonNode usage;
        volatile JsonNode error;
        volatile boolean done;
        volatile String body = "";

        Outcome(int gateway) {
            this.gateway = gateway;
        }

        boolean completed() {
            return status == 200 && done && Set.of("stop", "length", "model_length").contains(finishReason);
        }

        boolean cleanError() {
            // After the 200, an error event ends the stream (with a finish_reason "error" chunk once tokens flowed).
            boolean streamedError = status == 200 && error != null && (finishReason == null || "error".equals(finishReason));
            boolean httpError = (status == 429 || status == 503) && retryAfter != null && error != null;
            return streamedError || httpError;
        }

        @Override
        public String toString() {
            return "gateway " + gateway + " status " + status + " id " + requestId + " chunks " + contentChunks
                    + " finish " + finishReason + " retry-after " + retryAfter + " done " + done + " error " + error + " body " + body;
        }
    }

    @Test
    void streamsSurviveAWorkerKilledMidRunAndLimitsHoldAcrossGateways() throws Exception {
        String key = newKey(100_000);
        int requests = 16;
        List<Outcome> outcomes = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(requests);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            Outcome o = new Outcome(i % 2);
            outcomes.add(o);
            running.add(clients.submit(() -> {
                stream(gatewayPorts[o.gateway], key, o);
                return null;
            }));
        }
        // Kill the worker once streams are flowing (with 4 slots, the rest wait in RabbitMQ).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (outcomes.stream().filter(o -> o.contentChunks >= 5 && !o.done).count() < 2) {
            assertTrue(System.nanoTime() < deadline, "streams did not start: " + outcomes);
            Thread.sleep(20);
        }
        worker.destroyForcibly(); // SIGKILL
        long killedAt = System.nanoTime();
        assertTrue(worker.waitFor(30, TimeUnit.SECONDS));
        Set<Outcome> streamingAtKill = Set.copyOf(outcomes.stream().filter(o -> o.contentChunks > 0 && !o.done).toList());
        worker = startWorker();
        waitReady(workerPort, "worker (restarted)");
        for (Future<?> f : running) {
            f.get(240, TimeUnit.SECONDS);
        }
        clients.shutdown();

        for (Outcome o : outcomes) {
            assertTrue(o.completed() || o.cleanError(), "neither completed nor a clean error: " + o);
        }
        long margin = TimeUnit.SECONDS.toNanos(2); // a token in flight at the kill may still arrive
        List<Outcome> queuedAtKill = outcomes.stream()
                .filter(o -> o.firstContentNanos == 0 || o.firstContentNanos - killedAt > margin).toList();
        assertTrue(queuedAtKill.size() >= 4, "the kill should leave requests queued: " + outcomes);
        for (Outcome o : queuedAtKill) {
            assertTrue(o.completed(), "a request queued at the kill was not served after the restart: " + o);
        }
        assertTrue(streamingAtKill.stream().anyMatch(o -> "error".equals(o.finishReason)),
                "a stream cut by the kill must end with an error chunk: " + streamingAtKill);

        try (Connection c = DriverManager.getConnection(DB_URL, "postgres", "")) {
            for (Outcome o : outcomes) {
                try (PreparedStatement ps = c.prepareStatement(
                        "select count(*), min(completion_tokens), min(status) from usage_ledger where request_id = ?")) {
                    ps.setString(1, o.requestId);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertEquals(1, rs.getInt(1), "ledger rows for " + o);
                        if (o.usage != null) {
                            assertEquals(o.usage.path("completion_tokens").asInt(), rs.getInt(2),
                                    "billed tokens = the tokens the client was streamed: " + o);
                        }
                        assertEquals(o.completed() ? "completed" : "failed", rs.getString(3), o.toString());
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
        HttpResponse<String> r = http.send(post(gatewayPorts[0], key, "/v1/chat/completions", toolBody),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        requestIds.add(r.headers().firstValue("x-request-id").orElseThrow());
        JsonNode choice = JSON.readTree(r.body()).path("choices").path(0);
        assertEquals("tool_calls", choice.path("finish_reason").asText(), r.body());
        JsonNode call = choice.path("message").path("tool_calls").path(0);
        assertEquals("get_weather", call.path("function").path("name").asText(), r.body());
        assertEquals(9, call.path("id").asText().length(), "Mistral's 9-character ids: " + r.body());
        assertValid(args, call.path("function").path("arguments").asText());

        HttpResponse<String> s = http.send(post(gatewayPorts[1], key, "/v1/chat/completions",
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
            HttpResponse<String> j = http.send(post(gatewayPorts[seed % 2], key, "/v1/chat/completions",
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

    private static HttpRequest post(int port, String key, String path, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
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
        for (int port : gatewayPorts) {
            assertEquals(200, http.send(chat(port, key, false, 4), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
        Set<Long> pids = new java.util.HashSet<>();
        processes.stream().filter(Process::isAlive).forEach(p -> pids.add(p.pid()));
        long workerLogBefore = java.nio.file.Files.size(Path.of("target/scaleout-it-worker.log"));

        List<Outcome> during = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean sending = new java.util.concurrent.atomic.AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(2);
        List<Future<?>> running = new ArrayList<>();
        for (int g = 0; g < 2; g++) {
            int gateway = g;
            running.add(clients.submit(() -> {
                while (sending.get()) {
                    Outcome o = new Outcome(gateway);
                    stream(gatewayPorts[gateway], key, o, 8);
                    during.add(o);
                    if (!o.completed()) {
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
        Set<Integer> servedAfter = ConcurrentHashMap.newKeySet();
        while (servedAfter.size() < 2) {
            assertTrue(System.nanoTime() < deadline, "not served again within 60 s of the drop: " + during);
            for (Outcome o : during) {
                if (o.completed() && o.firstContentNanos > closedAt) {
                    servedAfter.add(o.gateway);
                }
            }
            Thread.sleep(100);
        }
        sending.set(false);
        for (Future<?> f : running) {
            f.get(120, TimeUnit.SECONDS);
        }
        clients.shutdown();
        for (Outcome o : during) {
            assertTrue(o.completed() || o.cleanError(), "neither completed nor a clean error: " + o);
        }
        for (int port : gatewayPorts) { // and keep serving: a recovered connection, not one lucky request
            HttpResponse<String> after = http.send(chat(port, key, false, 4), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, after.statusCode(), "after the drop: " + after.body());
        }
        for (Process p : processes) {
            if (pids.contains(p.pid())) {
                assertTrue(p.isAlive(), "a JVM exited instead of reconnecting: pid " + p.pid());
            }
        }
        String workerLog = java.nio.file.Files.readString(Path.of("target/scaleout-it-worker.log"))
                .substring((int) workerLogBefore);
        assertTrue(workerLog.contains("worker lost RabbitMQ") && workerLog.contains("worker reconnected to RabbitMQ"),
                "the worker noticed the drop and reconnected on its own: " + workerLog);
        waitReady(workerPort, "worker (after the drop)");
        for (int i = 0; i < 2; i++) {
            waitReady(gatewayPorts[i], "gateway-" + (i + 1) + " (after the drop)");
        }
    }

    private void embeddingsAreComputedOnTheWorker(String key) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPorts[1] + "/v1/embeddings"))
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
            HttpResponse<String> r = http.send(chat(gatewayPorts[i % 2], key, false, 1), HttpResponse.BodyHandlers.ofString());
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

    // --- the client ------------------------------------------------------------------------------------------

    private void stream(int port, String key, Outcome o) throws Exception {
        stream(port, key, o, MAX_TOKENS);
    }

    private void stream(int port, String key, Outcome o, int maxTokens) throws Exception {
        HttpResponse<java.util.stream.Stream<String>> r = http.send(chat(port, key, true, maxTokens),
                HttpResponse.BodyHandlers.ofLines());
        o.status = r.statusCode();
        o.requestId = r.headers().firstValue("x-request-id").orElse(null);
        o.retryAfter = r.headers().firstValue("retry-after").orElse(null);
        StringBuilder body = new StringBuilder();
        Iterator<String> lines = r.body().iterator();
        while (lines.hasNext()) {
            String line = lines.next();
            if (o.status != 200) {
                body.append(line);
                continue;
            }
            if (!line.startsWith("data: ")) {
                continue;
            }
            String data = line.substring(6);
            if (data.equals("[DONE]")) {
                o.done = true;
                continue;
            }
            JsonNode n = JSON.readTree(data);
            if (n.has("error")) {
                o.error = n.get("error");
                continue;
            }
            JsonNode choice = n.path("choices").path(0);
            if (!choice.path("delta").path("content").asText("").isEmpty()) {
                if (o.firstContentNanos == 0) {
                    o.firstContentNanos = System.nanoTime();
                }
                o.contentChunks++;
            }
            if (!choice.path("finish_reason").isNull() && !choice.path("finish_reason").isMissingNode()) {
                o.finishReason = choice.path("finish_reason").asText();
            }
            if (n.has("usage") && !n.get("usage").isNull()) {
                o.usage = n.get("usage");
            }
        }
        if (o.status != 200) {
            o.body = body.toString();
            JsonNode n = JSON.readTree(o.body);
            o.error = n.get("error");
        }
    }

    private static HttpRequest chat(int port, String key, boolean stream, int maxTokens) {
        String body = """
                {"model":"mistral-tiny","messages":[{"role":"user","content":"Say something about the wind."}],
                 "max_tokens":%d,"temperature":0,"stream":%s}""".formatted(maxTokens, stream);
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(200)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    // --- the processes ---------------------------------------------------------------------------------------

    private Process startWorker() throws IOException {
        return launch("worker", workerPort, Map.of("SIROCCO_ROLE", "worker", "SIROCCO_WORKER_MODELS", "mistral-tiny,mistral-embed"));
    }

    private Process launch(String name, int port, Map<String, String> env) throws IOException {
        File jar = new File("target/quarkus-app/quarkus-run.jar");
        assertTrue(jar.isFile(), "run mvn package first: " + jar);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Xmx512m", "-XX:TieredStopAtLevel=1", "-jar", jar.getAbsolutePath());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("target/scaleout-it-" + name + ".log")));
        Map<String, String> e = pb.environment();
        e.putIfAbsent("SIROCCO_OIDC_SECRET", "it-without-keycloak"); // needed to start; Keycloak unused here
        e.put("SIROCCO_DB_URL", DB_URL);
        e.put("SIROCCO_DATA", DATA.toString());
        e.put("QUARKUS_PROFILE", "prod,scaleout");
        e.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        e.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        e.put("QUARKUS_FLYWAY_MIGRATE_AT_START", "false");
        e.put("SIROCCO_MODELS_WRITE_DEMO", "false");
        e.put("SIROCCO_MODELS_MAX_SEQUENCES", "4");
        e.put("SIROCCO_GATEWAY_QUEUE_TIMEOUT", "150s");
        e.put("SIROCCO_DISPATCH_STALL_TIMEOUT", "4s");
        e.put("SIROCCO_BILLING_NODE_ID", "scaleout-it-" + name + "-" + port);
        e.putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private void waitReady(int port, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError(name + " did not become ready; see target/scaleout-it-*.log");
    }

    /** An organization and an API key with {@code rpm} requests per minute. */
    private static String newKey(int rpm) throws SQLException {
        String secret = KeySecrets.newSecret();
        UUID org = UUID.randomUUID();
        try (Connection c = DriverManager.getConnection(DB_URL, "postgres", "")) {
            try (PreparedStatement ps = c.prepareStatement("insert into organizations (id, name) values (?, 'scale-out it')")) {
                ps.setObject(1, org);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("insert into api_keys (id, org_id, name, key_prefix, key_hash, "
                    + "rpm_limit, tpm_limit) values (?,?,?,?,?,?,?)")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setObject(2, org);
                ps.setString(3, "scale-out it");
                ps.setString(4, KeySecrets.displayPrefix(secret));
                ps.setString(5, KeySecrets.hash(secret));
                ps.setInt(6, rpm);
                ps.setInt(7, 10_000_000);
                ps.executeUpdate();
            }
        }
        return secret;
    }

    private static int count(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(DB_URL, "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
