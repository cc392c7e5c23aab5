package io.sirocco.launch;

import io.sirocco.accounts.KeySecrets;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged app (target/quarkus-app/quarkus-run.jar, built by {@code package}) as its own JVM against the run's
 * PostgreSQL, for the crash tests: started, waited for, and killed with SIGKILL as a test needs.
 */
public final class PackagedApp implements AutoCloseable {
    /** The run's PostgreSQL (the one {@code ./sirocco test} gives each run). */
    public static final String DB_URL = System.getenv().getOrDefault("SIROCCO_DB_URL",
            "jdbc:postgresql://127.0.0.1:5432/sirocco");

    private final String name;
    private final String nodeId;
    private final int port;
    private Process process;

    /** {@code name} names its log ({@code target/<name>.log}) and data folder; {@code nodeId} its billing node. */
    public PackagedApp(String name, String nodeId) throws IOException {
        this.name = name;
        this.nodeId = nodeId;
        this.port = freePort();
    }

    public int port() {
        return port;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** Starts the JVM (appending to its log) and waits until it is ready. */
    public void start() throws Exception {
        File jar = new File("target/quarkus-app/quarkus-run.jar"); // Quarkus' fast-jar launcher
        assertTrue(jar.isFile(), "run mvn package first: " + jar);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules=jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx1g",
                "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1",
                "-Dsirocco.billing.node-id=" + nodeId, "-jar", jar.getAbsolutePath()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log()));
        pb.environment().put("SIROCCO_DB_URL", DB_URL);
        pb.environment().put("SIROCCO_DATA", new File("target/" + name + "-data").getAbsolutePath());
        // the service needs a Keycloak client secret to start (./sirocco test passes its Keycloak's); unused here
        pb.environment().putIfAbsent("SIROCCO_OIDC_SECRET", "it-without-keycloak");
        process = pb.start();
        waitReady();
    }

    private File log() {
        return new File("target/" + name + ".log");
    }

    /** SIGKILL: no shutdown hook, no flush. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the killed JVM did not exit");
    }

    /** Stops it if it still runs (after a test). */
    @Override
    public void close() {
        stop();
    }

    /** Stops it if it still runs (after a test). */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
        }
    }

    private void waitReady() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            assertTrue(process.isAlive(), "the app exited; see " + log());
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the app did not become ready; see " + log());
    }

    /** A new organization and an API key of it, written directly (hash only, like accounts does); the secret. */
    public static String newKey(String orgName) throws SQLException {
        String secret = KeySecrets.newSecret();
        UUID org = UUID.randomUUID();
        try (Connection c = DriverManager.getConnection(DB_URL, "postgres", "")) {
            try (PreparedStatement ps = c.prepareStatement("insert into organizations (id, name) values (?, ?)")) {
                ps.setObject(1, org);
                ps.setString(2, orgName);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into api_keys (id, org_id, name, key_prefix, key_hash) values (?,?,?,?,?)")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setObject(2, org);
                ps.setString(3, orgName);
                ps.setString(4, KeySecrets.displayPrefix(secret));
                ps.setString(5, KeySecrets.hash(secret));
                ps.executeUpdate();
            }
        }
        return secret;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
