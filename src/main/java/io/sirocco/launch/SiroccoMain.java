package io.sirocco.launch;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts the service. With no database configured (SIROCCO_DB_URL), an embedded PostgreSQL is started
 * first, with its data under the data folder, so a restart keeps it.
 *
 * <p>The embedded server stops only after Quarkus has stopped (its last writes, the release of reservations),
 * never beside it: on SIGTERM the JVM runs every shutdown hook at once, so ours waits until the main thread,
 * back from {@code Quarkus.run}, has closed the database.
 */
@QuarkusMain
public class SiroccoMain {
    private static final long STOP_WAIT_SECONDS = 120;

    public static void main(String... args) {
        Optional<EmbeddedDatabase> db = EmbeddedDatabase.startIfUnconfigured();
        if (db.isEmpty()) {
            Quarkus.run(args);
            return;
        }
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                closed.await(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "embedded-postgres-wait"));
        int[] exit = {0};
        try {
            Quarkus.run(null, (code, failure) -> {
                exit[0] = code;
                if (failure != null) { // Quarkus logs a start-up failure only when it handles the exit itself
                    System.err.println("[sirocco] the service could not start:");
                    failure.printStackTrace();
                }
            }, args);
        } finally {
            db.get().close();
            closed.countDown();
        }
        System.exit(exit[0]);
    }
}
