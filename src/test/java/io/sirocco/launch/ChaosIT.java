package io.sirocco.launch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.ConnectionFactory;
import io.sirocco.accounts.KeySecrets;
import io.sirocco.engine.demo.DemoModels;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dependencies failing under load. A gateway and a worker (the packaged service, scaled out) run against their own
 * throwaway PostgreSQL (zonky, private port and data directory), their own RabbitMQ node (private node name, port
 * and Mnesia directory) and their own Keycloak, so nothing shared on the machine is disturbed. While clients send
 * requests without pause, PostgreSQL, RabbitMQ and Keycloak are each stopped for a while and started again.
 * <ul>
 *     <li>every request ends in a 200, a 503/429 with Retry-After and a JSON error body, or a stream's error chunk:
 *     no other 5xx, no hang;</li>
 *     <li>every answered request (200 with its usage) has exactly one ledger row: nothing answered is lost;</li>
 *     <li>after each dependency returns, requests succeed again within a bound, with the same two JVMs (the worker
 *     reconnects to RabbitMQ by itself);</li>
 *     <li>while Keycloak is down the API keeps serving and the sign-in pages answer 503 with Retry-After.</li>
 * </ul>
 * Heavy (three services, two JVMs, about five minutes on two busy cores): opt-in with {@code -Dsirocco.chaos=true},
 * for example {@code ./mvnw verify -Dsirocco.chaos=true -Dit.test=ChaosIT -Dtest=none}.
 */
@EnabledIfSystemProperty(named = "sirocco.chaos", matches = "true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChaosIT {
    private static final Path WORK = Path.of("target/chaos-it").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "chaos-it-" + UUID.randomUUID();
    private static final Duration DOWN = Duration.ofSeconds(8);
    private static final Duration RECOVERY = Duration.ofSeconds(90);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();
    private final List<Process> apps = new CopyOnWriteArrayList<>();
    private final List<Outcome> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>(); // clients add, the test reads
    private EmbeddedPostgres pg;
    private int pgPort;
    private int amqpPort;
    private String rabbitNode;
    private Process rabbit;
    private int kcPort;
    private int gatewayPort;
    private int workerPort;
    private Process gateway;
    private Process worker;
    private String key;

    // --- the dependencies -------------------------------------------------------------------------------------

    private void startPostgres() throws IOException {
        pg = EmbeddedPostgres.builder().setDataDirectory(WORK.resolve("pg")).setCleanDataDirectory(false)
                .setPort(pgPort).start();
    }

    private void stopPostgres() throws IOException {
        pg.close();
    }

    private void startRabbit() throws Exception {
        Path dir = WORK.resolve("rabbit");
        Files.createDirectories(dir.resolve("log"));
        Files.writeString(dir.resolve("enabled_plugins"), "[].\n"); // no management plugin: its port is the shared node's
        Files.writeString(dir.resolve("rabbitmq.conf"), "listeners.tcp.default = 127.0.0.1:" + amqpPort + "\n");
        ProcessBuilder pb = new ProcessBuilder("/usr/lib/rabbitmq/bin/rabbitmq-server").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(WORK.resolve("rabbit.log").toFile()));
        Map<String, String> e = pb.environment();
        e.put("RABBITMQ_NODENAME", rabbitNode);
        e.put("RABBITMQ_NODE_PORT", Integer.toString(amqpPort));
        e.put("RABBITMQ_DIST_PORT", Integer.toString(freePort()));
        e.put("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString());
        e.put("RABBITMQ_LOG_BASE", dir.resolve("log").toString());
        e.put("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString());
        e.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq").toString());
        e.put("RABBITMQ_PID_FILE", dir.resolve("rabbit.pid").toString());
        rabbit = pb.start();
        await("RabbitMQ node " + rabbitNode, Duration.ofSeconds(300), () -> {
            ConnectionFactory f = new ConnectionFactory();
            f.setHost("127.0.0.1");
            f.setPort(amqpPort);
            try (com.rabbitmq.client.Connection c = f.newConnection()) {
                return c.isOpen();
            } catch (Exception ex) {
                return false;
            }
        });
    }

    private void stopRabbit() throws Exception {
        Process stop = new ProcessBuilder("/usr/lib/rabbitmq/bin/rabbitmqctl", "-n", rabbitNode, "stop").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(WORK.resolve("rabbit.log").toFile())).start();
        stop.waitFor(60, TimeUnit.SECONDS);
        if (!rabbit.waitFor(30, TimeUnit.SECONDS)) {
            rabbit.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void keycloak(String function) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "source src/main/sh/services.sh && " + function + " \""
                + WORK.resolve("keycloak") + "\" " + kcPort + " admin").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(WORK.resolve("keycloak-script.log").toFile()));
        pb.environment().put("SIROCCO_OIDC_SECRET", SECRET);
        pb.environment().put("SIROCCO_REDIRECT_URI", "http://localhost:*");
        Process p = pb.start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), function + " did not finish");
        assertEquals(0, p.exitValue(), function + " failed; see " + WORK.resolve("keycloak-script.log"));
    }

    // --- the service ------------------------------------------------------------------------------------------

    @BeforeAll
    void start() throws Exception {
        Files.createDirectories(WORK);
        pgPort = freePort();
        amqpPort = freePort();
        rabbitNode = "sirocco-chaos-" + amqpPort + "@localhost";
        kcPort = 20000 + 2 * (int) (Math.random() * 4000);
        gatewayPort = freePort();
        workerPort = freePort();
        startPostgres();
        startRabbit();
        keycloak("start_keycloak");
        DemoModels.writeIfMissing(WORK.resolve("data/models"));
        gateway = launch("gateway", gatewayPort, Map.of("SIROCCO_ROLE", "gateway", "QUARKUS_FLYWAY_MIGRATE_AT_START", "true"));
        waitReady(gatewayPort, "gateway");
        worker = launch("worker", workerPort, Map.of("SIROCCO_ROLE", "worker",
                "SIROCCO_WORKER_MODELS", "mistral-tiny", "QUARKUS_FLYWAY_MIGRATE_AT_START", "false"));
        waitReady(workerPort, "worker");
        key = newKey();
    }

    @AfterAll
    void stop() throws Exception {
        for (Process p : apps) {
            p.destroy();
        }
        for (Process p : apps) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        try {
            keycloak("stop_keycloak");
        } finally {
            try {
                stopRabbit();
            } finally {
                stopPostgres();
            }
        }
    }

    private Process launch(String name, int port, Map<String, String> env) throws IOException {
        File jar = new File("target/quarkus-app/quarkus-run.jar");
        assertTrue(jar.isFile(), "run mvn package first: " + jar);
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Xmx512m", "-XX:TieredStopAtLevel=1", "-jar", jar.getAbsolutePath()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(WORK.resolve(name + ".log").toFile()));
        Map<String, String> e = pb.environment();
        e.put("SIROCCO_DB_URL", "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres");
        e.put("SIROCCO_RABBITMQ_PORT", Integer.toString(amqpPort));
        e.put("SIROCCO_RABBITMQ_VHOST", "/");
        e.put("SIROCCO_KEYCLOAK_URL", "http://localhost:" + kcPort);
        e.put("SIROCCO_OIDC_SECRET", SECRET);
        e.put("SIROCCO_PUBLIC_URL", "http://localhost:" + gatewayPort);
        e.put("SIROCCO_DATA", WORK.resolve("data").toString());
        e.put("QUARKUS_PROFILE", "prod,scaleout");
        e.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        e.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        e.put("SIROCCO_MODELS_WRITE_DEMO", "false");
        e.put("SIROCCO_MODELS_MAX_SEQUENCES", "4");
        e.put("SIROCCO_GATEWAY_QUEUE_TIMEOUT", "20s");
        e.put("SIROCCO_DISPATCH_STALL_TIMEOUT", "4s");
        e.put("SIROCCO_BILLING_NODE_ID", "chaos-" + name);
        e.putAll(env);
        Process p = pb.start();
        apps.add(p);
        return p;
    }

    private void waitReady(int port, String name) throws Exception {
        await(name + " ready", Duration.ofSeconds(240), () -> status("http://127.0.0.1:" + port + "/q/health/ready") == 200);
    }

    private int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    // --- the load -----------------------------------------------------------------------------------------------

    /** One request and how it ended. */
    record Outcome(long atMillis, boolean stream, int status, String requestId, String retryAfter, JsonNode error,
                   JsonNode usage, boolean done, String failure) {
        boolean answered() {
            return status == 200 && usage != null && error == null && (!stream || done);
        }

        boolean clean() {
            if (answered()) {
                return true;
            }
            if ((status == 503 || status == 429) && retryAfter != null && error != null) {
                return true;
            }
            return status == 200 && error != null; // a stream cut short ends with an error chunk
        }
    }

    private Outcome call(boolean stream) {
        long at = System.currentTimeMillis();
        String body = """
                {"model":"mistral-tiny","messages":[{"role":"user","content":"Say something about the wind."}],
                 "max_tokens":12,"temperature":0,"stream":%s%s}""".formatted(stream,
                stream ? ",\"stream_options\":{\"include_usage\":true}" : "");
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(90)).header("Authorization", "Bearer " + key)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            String id = r.headers().firstValue("x-request-id").orElse(null);
            String retry = r.headers().firstValue("retry-after").orElse(null);
            if (r.statusCode() != 200 || !stream) {
                JsonNode n = r.body().isBlank() ? null : JSON.readTree(r.body());
                return new Outcome(at, stream, r.statusCode(), id, retry, n == null ? null : n.get("error"),
                        n == null ? null : n.get("usage"), false, null);
            }
            JsonNode usage = null;
            JsonNode error = null;
            boolean done = false;
            for (String line : r.body().split("\n")) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    done = true;
                    continue;
                }
                JsonNode n = JSON.readTree(data);
                if (n.has("error")) {
                    error = n.get("error");
                }
                if (n.hasNonNull("usage")) {
                    usage = n.get("usage");
                }
            }
            return new Outcome(at, true, 200, id, retry, error, usage, done, null);
        } catch (Exception e) {
            return new Outcome(at, stream, -1, null, null, null, null, false, e.toString());
        }
    }

    // --- the test -------------------------------------------------------------------------------------------------

    @Test
    void theApiServesWhatItCanAndRecoversWhenEachDependencyReturns() throws Exception {
        long gatewayPid = gateway.pid();
        long workerPid = worker.pid();
        AtomicBoolean loading = new AtomicBoolean(true);
        int clients = 4;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        for (int i = 0; i < clients; i++) {
            boolean stream = i % 2 == 1;
            pool.submit(() -> {
                while (loading.get()) {
                    Outcome o = call(stream);
                    outcomes.add(o);
                    if (o.status() != 200) {
                        sleepQuietly(200);
                    }
                }
            });
        }
        // The first requests of cold JVMs take seconds on a busy machine: wait for one, then a few more.
        await("requests are served before any failure", Duration.ofSeconds(120),
                () -> outcomes.stream().anyMatch(Outcome::answered));
        Thread.sleep(2_000);
        List<String> report = new ArrayList<>();

        // PostgreSQL
        long t0 = System.currentTimeMillis();
        stopPostgres();
        Thread.sleep(DOWN.toMillis());
        startPostgres();
        report.add("postgres back after " + recoverySince(System.currentTimeMillis()) + " ms");

        // RabbitMQ (the dispatch between gateway and worker, and the usage queue)
        stopRabbit();
        Thread.sleep(DOWN.toMillis());
        startRabbit();
        report.add("rabbitmq back after " + recoverySince(System.currentTimeMillis()) + " ms");

        // Keycloak: the API does not depend on it; sign-in pages say 503 while it is away
        keycloak("stop_keycloak");
        long kcDownAt = System.currentTimeMillis();
        HttpResponse<String> signIn = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/console/keys"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, signIn.statusCode(), "sign-in while Keycloak is down: " + signIn.body());
        assertTrue(signIn.headers().firstValue("retry-after").isPresent(), "Retry-After on the sign-in 503");
        Thread.sleep(DOWN.toMillis());
        assertTrue(outcomes.stream().anyMatch(o -> o.atMillis() > kcDownAt && o.answered()),
                "the API answers while Keycloak is down");
        keycloak("start_keycloak");
        await("sign-in after Keycloak returns", RECOVERY, () -> {
            int s = status("http://127.0.0.1:" + gatewayPort + "/console/keys");
            return s == 302 || s == 303 || s == 200;
        });
        report.add("keycloak restarted");

        Thread.sleep(3_000);
        loading.set(false);
        pool.shutdown();
        assertTrue(pool.awaitTermination(120, TimeUnit.SECONDS), "a client hung");

        // Verdicts
        List<Outcome> all = List.copyOf(outcomes);
        List<Outcome> dirty = all.stream().filter(o -> !o.clean()).toList();
        long answered = all.stream().filter(Outcome::answered).count();
        long refused = all.stream().filter(o -> o.status() == 503 || o.status() == 429).count();
        report.add(all.size() + " requests: " + answered + " answered, " + refused + " refused with Retry-After, "
                + (all.size() - answered - refused) + " other; total " + (System.currentTimeMillis() - t0) + " ms");
        System.out.println("ChaosIT: " + String.join("; ", report));
        Files.writeString(WORK.resolve("report.txt"), String.join("\n", report) + "\n");
        assertTrue(dirty.isEmpty(), dirty.size() + " requests ended neither answered nor cleanly refused: "
                + dirty.subList(0, Math.min(10, dirty.size())));
        assertEquals(gatewayPid, gateway.pid());
        assertTrue(gateway.isAlive() && worker.isAlive() && worker.pid() == workerPid, "both JVMs kept running");
        waitReady(gatewayPort, "gateway after the chaos");
        waitReady(workerPort, "worker after the chaos");

        // Nothing answered is lost from the ledger (rows written while PostgreSQL was away arrive once it is back).
        List<String> ids = all.stream().filter(Outcome::answered).map(Outcome::requestId).toList();
        await("every answered request in the ledger", Duration.ofSeconds(120), () -> missing(ids).isEmpty());
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(
                "select count(*) from usage_ledger where request_id = ?")) {
            for (String id : ids) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(1, rs.getInt(1), "ledger rows of " + id);
                }
            }
        }
        // ... and nothing refused is billed: a 503/429 has no row, or one that costs nothing.
        List<String> refusedIds = all.stream().filter(o -> o.status() == 503 || o.status() == 429)
                .map(Outcome::requestId).filter(java.util.Objects::nonNull).toList();
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(
                "select count(*), coalesce(sum(cost_eur), 0) from usage_ledger where request_id = ?")) {
            for (String id : refusedIds) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertTrue(rs.getInt(1) <= 1 && rs.getBigDecimal(2).signum() == 0,
                            "a refused request was billed: " + id + " rows " + rs.getInt(1) + " cost " + rs.getBigDecimal(2));
                }
            }
        }
    }

    /** Waits until a request is answered again after {@code since}; returns how long that took. */
    private long recoverySince(long since) throws Exception {
        await("a request answered after the restart", RECOVERY,
                () -> outcomes.stream().anyMatch(o -> o.atMillis() >= since && o.answered()));
        return outcomes.stream().filter(o -> o.atMillis() >= since && o.answered()).mapToLong(Outcome::atMillis).min()
                .orElse(since) - since;
    }

    private List<String> missing(List<String> ids) {
        List<String> out = new ArrayList<>();
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement("select 1 from usage_ledger where request_id = ?")) {
            for (String id : ids) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        out.add(id);
                    }
                }
            }
        } catch (SQLException e) {
            out.add("(database: " + e.getMessage() + ")");
        }
        return out;
    }

    private Connection db() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "postgres", "");
    }

    private String newKey() throws SQLException {
        String secret = KeySecrets.newSecret();
        UUID org = UUID.randomUUID();
        try (Connection c = db()) {
            try (PreparedStatement ps = c.prepareStatement("insert into organizations (id, name) values (?, 'chaos it')")) {
                ps.setObject(1, org);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("insert into api_keys (id, org_id, name, key_prefix, key_hash, "
                    + "rpm_limit, tpm_limit) values (?,?,?,?,?,?,?)")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setObject(2, org);
                ps.setString(3, "chaos it");
                ps.setString(4, KeySecrets.displayPrefix(secret));
                ps.setString(5, KeySecrets.hash(secret));
                ps.setInt(6, 100_000);
                ps.setInt(7, 100_000_000);
                ps.executeUpdate();
            }
        }
        return secret;
    }

    private static void await(String what, Duration atMost, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + atMost.toSeconds() + " s; logs in " + WORK);
            }
            Thread.sleep(250);
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
