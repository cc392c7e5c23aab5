package io.sirocco.billing;

import io.sirocco.launch.PackagedApp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Durability under a crash: the packaged app (target/quarkus-app/quarkus-run.jar, built by {@code package}) runs
 * as its own JVM against the run's PostgreSQL; clients hammer /v1/chat/completions (JSON and streamed); the JVM
 * is killed with SIGKILL mid-load and restarted. Every response a client received must have exactly one ledger
 * row with the cost it was told, and no reservation of the dead process may survive the restart.
 */
class BillingCrashIT {
    private static final String DB_URL = PackagedApp.DB_URL;
    private static final String NODE = "crash-it-" + UUID.randomUUID().toString().substring(0, 8);
    private static final Pattern STREAM_COST = Pattern.compile("\"cost_eur\"\\s*:\\s*\"([0-9.]+)\"");

    private PackagedApp app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.stop();
        }
    }

    @Test
    void everyReceivedResponseHasExactlyOneLedgerRowAfterKill9() throws Exception {
        app = new PackagedApp("billing-crash-it", NODE);
        app.start();
        int port = app.port();
        String key = PackagedApp.newKey("crash test " + NODE);

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
        app.kill9();
        running.set(false);
        clients.shutdownNow();
        assertTrue(clients.awaitTermination(30, TimeUnit.SECONDS));
        assertTrue(received.size() >= 40, "only " + received.size() + " responses before the kill");

        app.start();
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
}
