package io.sirocco.launch;

import io.sirocco.accounts.KeyFixtures;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged app (target/quarkus-app/quarkus-run.jar, built by {@code package}) as its own JVM, for the tests that
 * crash, scale out or starve it: configured by environment variables, started, waited for, and killed with SIGKILL
 * as a test needs. By default it runs single-node against the run's PostgreSQL with a data folder of its own.
 */
public final class PackagedApp implements AutoCloseable {
    /** The run's PostgreSQL (the one {@code ./sirocco test} gives each run). */
    public static final String DB_URL = System.getenv().getOrDefault("SIROCCO_DB_URL",
            "jdbc:postgresql://127.0.0.1:5432/sirocco");

    private final String name;
    private final int port;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> jvmOptions = new ArrayList<>(List.of("-Xmx1g"));
    private Process process;

    /**
     * {@code name} names its log ({@code target/<name>.log}) and data folder; {@code nodeId} its billing node. It
     * listens on a free port of its own, the same across restarts.
     */
    public PackagedApp(String name, String nodeId) throws IOException {
        this.name = name;
        this.port = freePort();
        env("SIROCCO_DB_URL", DB_URL);
        env("SIROCCO_DATA", new File("target/" + name + "-data").getAbsolutePath());
        env("SIROCCO_BILLING_NODE_ID", nodeId);
        env("QUARKUS_HTTP_PORT", Integer.toString(port));
        env("QUARKUS_HTTP_HOST", "127.0.0.1");
    }

    /**
     * A JVM of the scaled-out service ({@code prod,scaleout} profiles, RabbitMQ between the roles) in {@code role}
     * (gateway, worker or migrate), on the database {@code dbUrl} and the shared data folder {@code data}. Small
     * (512 MB heap, C1 only) since two or three share the machine; 4 sequences a worker, a stalled dispatch noticed
     * after 4 s, the schema left to a migrate run, no demo models written (the test writes them once).
     */
    public static PackagedApp scaledOut(String name, String role, String dbUrl, Path data) throws IOException {
        PackagedApp app = new PackagedApp(name, name);
        app.jvmOptions.clear();
        app.jvmOptions.addAll(List.of("-Xmx512m", "-XX:TieredStopAtLevel=1"));
        return app.env("SIROCCO_BILLING_NODE_ID", name + "-" + app.port).env("SIROCCO_ROLE", role).env("SIROCCO_DB_URL", dbUrl).env("SIROCCO_DATA", data.toString())
                .env("QUARKUS_PROFILE", "prod,scaleout").env("QUARKUS_FLYWAY_MIGRATE_AT_START", "false")
                .env("SIROCCO_MODELS_WRITE_DEMO", "false").env("SIROCCO_MODELS_MAX_SEQUENCES", "4")
                .env("SIROCCO_DISPATCH_STALL_TIMEOUT", "4s");
    }

    /** Sets an environment variable of the JVM (from its next start). */
    public PackagedApp env(String variable, String value) {
        env.put(variable, value);
        return this;
    }

    public int port() {
        return port;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** Its log, appended to across restarts. */
    public Path log() {
        return Path.of("target", name + ".log");
    }

    /** Starts the JVM and waits until it is ready. */
    public void start() throws Exception {
        launch();
        awaitReady();
    }

    /** Starts the JVM (appending to its log) without waiting. */
    public void launch() throws IOException {
        File jar = new File("target/quarkus-app/quarkus-run.jar"); // Quarkus' fast-jar launcher
        assertTrue(jar.isFile(), "run mvn package first: " + jar);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules=jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", jar.getAbsolutePath()));
        log().toAbsolutePath().getParent().toFile().mkdirs();
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
        // the service needs a Keycloak client secret to start (./sirocco test passes its Keycloak's); unused here
        pb.environment().putIfAbsent("SIROCCO_OIDC_SECRET", "it-without-keycloak");
        pb.environment().putAll(env);
        process = pb.start();
    }

    /** Waits (at most 4 minutes) until it answers ready. */
    public void awaitReady() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline) {
            assertTrue(process.isAlive(), "the app exited; see " + log());
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/q/health/ready"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError(name + " did not become ready; see " + log());
    }

    /** Waits for a run that exits by itself (a migrate run); its exit status. */
    public int awaitExit(Duration atMost) throws InterruptedException {
        assertTrue(process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS), name + " did not exit; see " + log());
        return process.exitValue();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The process id of the current JVM (a restart gets a new one). */
    public long pid() {
        return process.pid();
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

    /** Stops it if it still runs (after a test): SIGTERM, and SIGKILL if it has not exited within 20 s. */
    public void stop() {
        if (isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A new organization (120 requests a minute) and an API key of it, in the run's database; the secret. */
    public static String newKey(String orgName) throws SQLException {
        return KeyFixtures.newKey(DB_URL, orgName, 120, 200_000);
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
