package io.sirocco.launch;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The single-node default database: a real PostgreSQL, run from the embedded binaries, with its data kept in
 * {@code <data>/postgres} across restarts. The data directory is never "clean" (zonky deletes a clean directory
 * when the server closes), fsync stays on, and a server left running by a JVM that was killed (kill -9: pg_ctl
 * daemonizes the postmaster, so it outlives the JVM) is shut down cleanly before a new one starts on the same data.
 */
final class EmbeddedDatabase implements AutoCloseable {
    static final int DEFAULT_PORT = 54329;

    private final EmbeddedPostgres server;
    private final FileChannel lockChannel;

    private EmbeddedDatabase(EmbeddedPostgres server, FileChannel lockChannel) {
        this.server = server;
        this.lockChannel = lockChannel;
    }

    /** Starts the embedded server unless a database is configured; empty when one is. */
    static Optional<EmbeddedDatabase> startIfUnconfigured() {
        if (configured("SIROCCO_DB_URL") || configured("QUARKUS_DATASOURCE_JDBC_URL")
                || System.getProperty("quarkus.datasource.jdbc.url") != null) {
            return Optional.empty();
        }
        Path dataRoot = Path.of(System.getenv().getOrDefault("SIROCCO_DATA", "data")).toAbsolutePath();
        Path dataDir = dataRoot.resolve("postgres");
        int port = port();
        try {
            Files.createDirectories(dataRoot);
            FileChannel lock = lockDataDir(dataRoot.resolve("postgres.lock"));
            stopOrphanedServer(dataDir);
            ProcessBuilder.Redirect serverLog = ProcessBuilder.Redirect.appendTo(serverLog(dataRoot).toFile());
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setOutputRedirector(serverLog)
                    .setErrorRedirector(serverLog)
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setServerConfig("fsync", "on")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setPGStartupWait(Duration.ofSeconds(120))
                    .setPort(port)
                    .start();
            System.setProperty("quarkus.datasource.jdbc.url", pg.getJdbcUrl("postgres", "postgres"));
            System.setProperty("quarkus.datasource.username", "postgres");
            System.out.println("[sirocco] embedded PostgreSQL on 127.0.0.1:" + port + ", data in " + dataDir
                    + ", its log in " + serverLog(dataRoot));
            return Optional.of(new EmbeddedDatabase(pg, lock));
        } catch (IOException e) {
            throw new IllegalStateException("could not start the embedded PostgreSQL in " + dataDir + " (its log: "
                    + serverLog(dataRoot) + "; set SIROCCO_DB_URL to use another server)", e);
        }
    }

    /**
     * The server's own log, as a standalone PostgreSQL keeps one: a statement the application expects to fail (a
     * conflicting insert it retries, say) is logged there by the server, not in Sirocco's log as if it were news.
     */
    static Path serverLog(Path dataRoot) {
        return dataRoot.resolve("postgres.log");
    }

    /** Stops the server (a fast, clean shutdown: pg_ctl stop -m fast) and releases the data directory. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            System.err.println("[sirocco] embedded PostgreSQL did not stop cleanly: " + e.getMessage());
        }
        try {
            lockChannel.close();
        } catch (IOException ignored) {
            // the process is ending anyway
        }
    }

    private static int port() {
        String v = System.getenv("SIROCCO_EMBEDDED_DB_PORT");
        return v == null || v.isBlank() ? DEFAULT_PORT : Integer.parseInt(v.trim());
    }

    /** One JVM per data directory: a second Sirocco on the same data refuses to start instead of sharing it. */
    private static FileChannel lockDataDir(Path lockFile) throws IOException {
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.tryLock();
        if (lock == null) {
            ch.close();
            throw new IllegalStateException("another Sirocco is running on the data in " + lockFile.getParent()
                    + "; stop it first (or set SIROCCO_DATA to another folder)");
        }
        return ch;
    }

    /**
     * After a kill -9 of the JVM, its postmaster still runs on the data directory (we hold the data lock, so no
     * live Sirocco owns it). Stop it the way PostgreSQL is meant to be stopped, so the new server starts cleanly.
     * A postmaster.pid whose process is gone is left to PostgreSQL, which replaces a stale one by itself.
     */
    static void stopOrphanedServer(Path dataDir) throws IOException {
        long pid;
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
            pid = lines.isEmpty() ? -1 : Long.parseLong(lines.getFirst().trim());
        } catch (NoSuchFileException e) {
            return;
        } catch (NumberFormatException e) {
            return;
        }
        Optional<ProcessHandle> postmaster = ProcessHandle.of(pid)
                .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
        if (postmaster.isEmpty()) {
            return;
        }
        System.out.println("[sirocco] stopping the embedded PostgreSQL (pid " + pid + ") left running by a previous run");
        Path pgCtl = Path.of(postmaster.get().info().command().orElseThrow()).resolveSibling("pg_ctl");
        try {
            List<String> cmd = new ArrayList<>();
            if (LinuxUtils.isUnshareAvailable()) {
                cmd.addAll(List.of("unshare", "-U")); // as zonky runs it: pg_ctl refuses to run as root
            }
            cmd.addAll(List.of(pgCtl.toString(), "-D", dataDir.toString(), "stop", "-m", "fast", "-w", "-t", "60"));
            Process stop = new ProcessBuilder(cmd).inheritIO().start();
            // pg_ctl -w returns once the server is down (the orphan may linger as a zombie: not a test of it)
            if (!stop.waitFor(90, TimeUnit.SECONDS) || stop.exitValue() != 0) {
                throw new IllegalStateException("the PostgreSQL left running on " + dataDir + " (pid " + pid
                        + ") did not stop; stop it and start again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the old PostgreSQL", e);
        }
    }

    private static boolean configured(String env) {
        String v = System.getenv(env);
        return v != null && !v.isBlank();
    }
}
