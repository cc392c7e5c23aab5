package io.sirocco.launch;

import com.rabbitmq.client.ConnectionFactory;
import io.sirocco.accounts.KeyFixtures;
import io.sirocco.engine.demo.DemoModels;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
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
    private static final String SECRET = "chaos-it-" + UUID.randomUUID();
    private static final Duration DOWN = Duration.ofSeconds(8);
    private static final Duration RECOVERY = Duration.ofSeconds(90);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();
    private final List<ChatOutcome> outcomes = new CopyOnWriteArrayList<>(); // clients add, the test reads
    private EmbeddedPostgres pg;
    private int pgPort;
    private int amqpPort;
    private String rabbitNode;
    private Process rabbit;
    private int kcPort;
    private PackagedApp gateway;
    private PackagedApp worker;
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
        startPostgres();
        startRabbit();
        keycloak("start_keycloak");
        DemoModels.writeIfMissing(WORK.resolve("data/models"));
        gateway = app("gateway").env("QUARKUS_FLYWAY_MIGRATE_AT_START", "true");
        gateway.start();
        worker = app("worker").env("SIROCCO_WORKER_MODELS", "mistral-tiny");
        worker.start();
        key = KeyFixtures.newKey(dbUrl(), "chaos it", 100_000, 100_000_000);
    }

    @AfterAll
    void stop() throws Exception {
        for (PackagedApp app : new PackagedApp[]{worker, gateway}) {
            if (app != null) {
                app.stop();
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

    /**
     * A JVM of the scaled-out service in {@code role} on this test's PostgreSQL, RabbitMQ and Keycloak; its log in
     * target/chaos-it.
     */
    private PackagedApp app(String role) throws IOException {
        PackagedApp app = PackagedApp.scaledOut("chaos-it/" + role, role, dbUrl(), WORK.resolve("data"));
        int publicPort = (gateway != null ? gateway : app).port(); // the gateway's, which is made first
        return app.env("SIROCCO_RABBITMQ_PORT", Integer.toString(amqpPort)).env("SIROCCO_RABBITMQ_VHOST", "/")
                .env("SIROCCO_KEYCLOAK_URL", "http://localhost:" + kcPort).env("SIROCCO_OIDC_SECRET", SECRET)
                .env("SIROCCO_PUBLIC_URL", "http://localhost:" + publicPort).env("SIROCCO_GATEWAY_QUEUE_TIMEOUT", "20s");
    }

    private int status(URI url) {
        try {
            return http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    // --- the load -----------------------------------------------------------------------------------------------

    private ChatOutcome call(boolean stream) {
        return ChatOutcome.of(gateway.uri("/"), stream).sendQuietly(http, key, 12, Duration.ofSeconds(90));
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
                    ChatOutcome o = call(stream);
                    outcomes.add(o);
                    if (o.status() != 200) {
                        sleepQuietly(200);
                    }
                }
            });
        }
        // The first requests of cold JVMs take seconds on a busy machine: wait for one, then a few more.
        await("requests are served before any failure", Duration.ofSeconds(120),
                () -> outcomes.stream().anyMatch(ChatOutcome::answered));
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
        HttpResponse<String> signIn = http.send(HttpRequest.newBuilder(gateway.uri("/console/keys"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, signIn.statusCode(), "sign-in while Keycloak is down: " + signIn.body());
        assertTrue(signIn.headers().firstValue("retry-after").isPresent(), "Retry-After on the sign-in 503");
        Thread.sleep(DOWN.toMillis());
        assertTrue(outcomes.stream().anyMatch(o -> o.startedMillis() > kcDownAt && o.answered()),
                "the API answers while Keycloak is down");
        keycloak("start_keycloak");
        await("sign-in after Keycloak returns", RECOVERY, () -> {
            int s = status(gateway.uri("/console/keys"));
            return s == 302 || s == 303 || s == 200;
        });
        report.add("keycloak restarted");

        Thread.sleep(3_000);
        loading.set(false);
        pool.shutdown();
        assertTrue(pool.awaitTermination(120, TimeUnit.SECONDS), "a client hung");

        // Verdicts
        List<ChatOutcome> all = List.copyOf(outcomes);
        List<ChatOutcome> dirty = all.stream().filter(o -> !o.clean()).toList();
        long answered = all.stream().filter(ChatOutcome::answered).count();
        long refused = all.stream().filter(o -> ChatOutcome.isRefusal(o.status())).count();
        report.add(all.size() + " requests: " + answered + " answered, " + refused + " refused with Retry-After, "
                + (all.size() - answered - refused) + " other; total " + (System.currentTimeMillis() - t0) + " ms");
        System.out.println("ChaosIT: " + String.join("; ", report));
        Files.writeString(WORK.resolve("report.txt"), String.join("\n", report) + "\n");
        assertTrue(dirty.isEmpty(), dirty.size() + " requests ended neither answered nor cleanly refused: "
                + dirty.subList(0, Math.min(10, dirty.size())));
        assertEquals(gatewayPid, gateway.pid());
        assertTrue(gateway.isAlive() && worker.isAlive() && worker.pid() == workerPid, "both JVMs kept running");
        gateway.awaitReady();
        worker.awaitReady();

        // Nothing answered is lost from the ledger (rows written while PostgreSQL was away arrive once it is back).
        List<String> ids = all.stream().filter(ChatOutcome::answered).map(ChatOutcome::requestId).toList();
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
        List<String> refusedIds = all.stream().filter(o -> ChatOutcome.isRefusal(o.status()))
                .map(ChatOutcome::requestId).filter(java.util.Objects::nonNull).toList();
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
                () -> outcomes.stream().anyMatch(o -> o.startedMillis() >= since && o.answered()));
        return outcomes.stream().filter(o -> o.startedMillis() >= since && o.answered()).mapToLong(ChatOutcome::startedMillis).min()
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

    private String dbUrl() {
        return "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
    }

    private Connection db() throws SQLException {
        return DriverManager.getConnection(dbUrl(), "postgres", "");
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
        return PackagedApp.freePort();
    }
}
