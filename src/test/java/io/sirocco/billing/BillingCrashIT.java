package io.sirocco.billing;

import io.sirocco.accounts.KeySecrets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Durability under a crash: the packaged app (target/quarkus-app/quarkus-run.jar, built by {@code package}) runs
 * as its own JVM against the run's PostgreSQL; clients hammer /v1/chat/completions (JSON and streamed); the JVM
 * is killed with SIGKILL mid-load and restarted. Every response a client received must have exactly one ledger
 * row with the cost it was told, and no reservation of the dead process may survive the restart.
 */
class BillingCrashIT {
    private static final String DB_URL = System.getenv().getOrDefault("SIROCCO_DB_URL",
            "jdbc:postgresql://127.0.0.1:5432/sirocco");
    private static final String NODE = "crash-it-" + UUID.randomUUID().toString().substring(0, 8);
    private static final Pattern STREAM_COST = Pattern.compile("\"cost_eur\"\\s*:\\s*\"([0-9.]+)\"");

    private Process app;

    @AfterEach
    void stop() {
        if (app != null && app.isAlive()) {
            app.destroy();
        }
    }

    @Test
    void everyReceivedResponseHasExactlyOneLedgerRowAfterKill9() throws Exception {
        int port = freePort();
        app = start(port);
        waitReady(port);
        String key = newKey();

        Map<String, String> received = new ConcurrentHashMap<>(); // request id -> cost the client was told
        AtomicBoolean running = new AtomicBoolean(true);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        for (int i = 0; i < 8; i++) {
            boolean stream = i % 2 == 1;
            clients.submit(() -> {
                while (running.get()) {
                    try {
                        call(http, port, key, stream, received);
                    } catch (IOException | RuntimeException e) {
                        // the server died under us: a response we did not get completely is not "received"
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (received.size() < 40 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        app.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
        assertTrue(app.waitFor(30, TimeUnit.SECONDS));
        running.set(false);
        clients.shutdownNow();
        assertTrue(clients.awaitTermination(30, TimeUnit.SECONDS));
        assertTrue(received.size() >= 40, "only " + received.size() + " responses before the kill");

        app = start(port);
        waitReady(port);
        try (Connection c = DriverManager.getConnection(DB_URL, "postgres", "")) {
            for (Map.Entry<String, String> r : received.entrySet()) {
                try (PreparedStatement ps = c.prepareStatement(
                        "select count(*), min(cost_eur) from usage_ledger where request_id = ?")) {
                    ps.setString(1, r.getKey());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertEquals(1, rs.getInt(1), "ledger rows of received response " + r.getKey());
                        assertEquals(0, new BigDecimal(r.getValue()).compareTo(rs.getBigDecimal(2)),
                                "cost header vs ledger of " + r.getKey());
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "select count(*) from budget_reservations where node_id = ?")) {
                ps.setString(1, NODE);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(0, rs.getInt(1), "reservations of the killed process survived the restart");
                }
            }
        }
    }

    private static void call(HttpClient http, int port, String key, boolean stream, Map<String, String> received)
            throws IOException, InterruptedException {
        String body = """
                {"model":"mistral-tiny","messages":[{"role":"user","content":"Say something about the wind."}],
                 "max_tokens":12,"stream":%s}""".formatted(stream);
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) {
            return;
        }
        String id = res.headers().firstValue("x-request-id").orElseThrow();
        if (stream) {
            Matcher m = STREAM_COST.matcher(res.body());
            if (res.body().contains("data: [DONE]") && m.find()) {
                received.put(id, m.group(1));
            }
        } else {
            received.put(id, res.headers().firstValue("x-sirocco-cost-eur").orElseThrow());
        }
    }

    private Process start(int port) throws IOException {
        File jar = new File("target/quarkus-app/quarkus-run.jar"); // Quarkus' fast-jar launcher
        assertTrue(jar.isFile(), "run mvn package first: " + jar);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules=jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx1g",
                "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1",
                "-Dsirocco.billing.node-id=" + NODE, "-jar", jar.getAbsolutePath()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(new File("target/billing-crash-it.log"));
        pb.environment().put("SIROCCO_DB_URL", DB_URL);
        pb.environment().put("SIROCCO_DATA", new File("target/billing-crash-it-data").getAbsolutePath());
        // the service needs a Keycloak client secret to start (./sirocco test passes its Keycloak's); unused here
        pb.environment().putIfAbsent("SIROCCO_OIDC_SECRET", "it-without-keycloak");
        return pb.start();
    }

    private void waitReady(int port) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            assertTrue(app.isAlive(), "the app exited; see target/billing-crash-it.log");
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the app did not become ready; see target/billing-crash-it.log");
    }

    /** An org and an API key, written directly (hash only, like accounts does). */
    private static String newKey() throws SQLException {
        String secret = KeySecrets.newSecret();
        UUID org = UUID.randomUUID();
        try (Connection c = DriverManager.getConnection(DB_URL, "postgres", "")) {
            try (PreparedStatement ps = c.prepareStatement("insert into organizations (id, name) values (?, ?)")) {
                ps.setObject(1, org);
                ps.setString(2, "crash test " + NODE);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into api_keys (id, org_id, name, key_prefix, key_hash) values (?,?,?,?,?)")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setObject(2, org);
                ps.setString(3, "crash test");
                ps.setString(4, KeySecrets.displayPrefix(secret));
                ps.setString(5, KeySecrets.hash(secret));
                ps.executeUpdate();
            }
        }
        assertNotNull(secret);
        return secret;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
