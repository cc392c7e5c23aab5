package io.sirocco.launch;

import io.sirocco.accounts.KeySecrets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nothing is lost when the single-node install restarts: the packaged app (target/quarkus-app) runs as its own JVM
 * with the embedded PostgreSQL and its own data folder, as {@code ./sirocco run} starts it. It is written to the
 * way a user does (a waitlist signup, an API request and its ledger row, last month's invoice issued by the
 * monthly job), stopped with SIGTERM, started again and read back; then the same after a kill -9 of the JVM,
 * which leaves its postmaster running on the data: the next start must stop it cleanly and keep everything.
 */
class RestartDurabilityIT {
    private static final Path DATA = Path.of("target/restart-it-data").toAbsolutePath();
    private static final Path LOG = Path.of("target/restart-it.log").toAbsolutePath();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String demoKey = KeySecrets.newSecret();
    private int port;
    private int dbPort;
    private Process app;

    @BeforeEach
    void cleanData() throws IOException {
        deleteTree(DATA);
        port = freePort();
        dbPort = freePort();
    }

    @AfterEach
    void stop() throws Exception {
        if (app != null && app.isAlive()) {
            app.destroy();
            app.waitFor(120, TimeUnit.SECONDS);
        }
        EmbeddedDatabase.stopOrphanedServer(DATA.resolve("postgres")); // after a failed kill -9 run
    }

    @Test
    void sigtermThenKill9KeepEverything() throws Exception {
        start();
        assertTrue(Files.isRegularFile(DATA.resolve("postgres/PG_VERSION")), "initdb ran in the data folder");
        assertTrue(Files.readString(DATA.resolve("postgres.log")).contains("ready to accept connections"),
                "the server's own log is data/postgres.log");
        String first = write("first");
        waitForInvoice(1);

        app.destroy(); // SIGTERM, as Ctrl-C in ./sirocco run
        assertTrue(app.waitFor(120, TimeUnit.SECONDS), "the app stopped on SIGTERM");
        assertTrue(app.exitValue() == 0 || app.exitValue() == 143, "exit status after SIGTERM: " + app.exitValue());
        assertFalse(Files.exists(DATA.resolve("postgres/postmaster.pid")), "PostgreSQL was stopped with the app");
        assertTrue(Files.isRegularFile(DATA.resolve("postgres/PG_VERSION")), "the data folder survived the stop");

        start();
        readBack("first", first);
        String second = write("second");

        app.destroyForcibly(); // kill -9 of the JVM: no shutdown hook, the postmaster keeps running
        assertTrue(app.waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.exists(DATA.resolve("postgres/postmaster.pid")), "the orphaned postmaster still runs");

        start();
        readBack("first", first);
        readBack("second", second);
        assertEquals(1, count("select count(*) from invoices"), "the invoice, once, after two restarts");
        assertEquals(1, count("select count(*) from organizations where name = 'Demo'"), "the Demo org, once");
    }

    /** A signup and a chat request (ledger row) tagged {@code tag}; returns the request id. */
    private String write(String tag) throws Exception {
        HttpResponse<String> signup = post("/api/waitlist", null, """
                {"email":"%s@restart.example","name":"Restart %s","company":"Durable","intended_use":"tests"}"""
                .formatted(tag, tag));
        assertEquals(202, signup.statusCode(), signup.body());
        HttpResponse<String> chat = post("/v1/chat/completions", demoKey, """
                {"model":"mistral-tiny","messages":[{"role":"user","content":"Hello %s"}],"max_tokens":8}"""
                .formatted(tag));
        assertEquals(200, chat.statusCode(), chat.body());
        String requestId = chat.headers().firstValue("x-request-id").orElseThrow();
        assertEquals(1, count("select count(*) from usage_ledger where request_id = '" + requestId + "'"));
        if (tag.equals("first")) {
            seedLastMonthsUsage();
        }
        return requestId;
    }

    private void readBack(String tag, String requestId) throws Exception {
        assertEquals(1, count("select count(*) from usage_ledger where request_id = '" + requestId + "'"),
                "ledger row of " + requestId + " after the restart");
        assertEquals(1, count("select count(*) from waitlist_entries where email = '" + tag + "@restart.example'"),
                "waitlist signup " + tag + " after the restart");
        assertEquals(1, count("select count(*) from invoices"), "last month's invoice");
        // the user's view: the same demo key still works (its hash survived), and answers
        HttpResponse<String> chat = post("/v1/chat/completions", demoKey, """
                {"model":"mistral-tiny","messages":[{"role":"user","content":"Still there?"}],"max_tokens":4}""");
        assertEquals(200, chat.statusCode(), chat.body());
    }

    /** Usage of last month for the Demo org, as the hourly rollup holds it, so the monthly job has one to invoice. */
    private void seedLastMonthsUsage() throws SQLException {
        Instant hour = YearMonth.now(ZoneOffset.UTC).minusMonths(1).atDay(3).atStartOfDay(ZoneOffset.UTC).toInstant();
        try (Connection c = db()) { // a copy of this month's rollup row, moved to last month (whatever its columns)
            c.createStatement().execute("create temp table seed as select * from usage_hourly limit 1");
            try (PreparedStatement ps = c.prepareStatement("update seed set hour = ?")) {
                ps.setObject(1, java.sql.Timestamp.from(hour));
                assertEquals(1, ps.executeUpdate());
            }
            c.createStatement().execute("insert into usage_hourly select * from seed");
        }
    }

    private void waitForInvoice(int expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count("select count(*) from invoices") < expected && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
        assertEquals(expected, count("select count(*) from invoices"), "the monthly job issued the invoice");
    }

    private void start() throws Exception {
        File jar = new File("target/quarkus-app/quarkus-run.jar");
        assertTrue(jar.isFile(), "run mvn package first: " + jar);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules=jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx768m",
                "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1",
                // the monthly invoice job, every two seconds (it invoices last month, once per org)
                "-Dsirocco.billing.invoice-cron=*/2 * * * * ?",
                "-jar", jar.getAbsolutePath()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(LOG.toFile()));
        pb.environment().remove("SIROCCO_DB_URL"); // the embedded database, as ./sirocco run without one
        pb.environment().remove("QUARKUS_DATASOURCE_JDBC_URL");
        pb.environment().put("SIROCCO_DATA", DATA.toString());
        pb.environment().put("SIROCCO_EMBEDDED_DB_PORT", Integer.toString(dbPort));
        pb.environment().put("SIROCCO_DEMO_API_KEY", demoKey);
        // the service needs a Keycloak client secret to start (./sirocco test passes its Keycloak's); unused here
        pb.environment().putIfAbsent("SIROCCO_OIDC_SECRET", "it-without-keycloak");
        app = pb.start();
        waitReady();
    }

    private void waitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline) {
            assertTrue(app.isAlive(), "the app exited; see " + LOG);
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
        throw new AssertionError("the app did not become ready; see " + LOG);
    }

    private HttpResponse<String> post(String path, String bearer, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Connection db() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + dbPort + "/postgres", "postgres", "");
    }

    private long count(String sql) throws SQLException {
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
