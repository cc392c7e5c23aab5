package io.sirocco.gateway.dispatch;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.function.BooleanSupplier;

/**
 * Keeps a RabbitMQ connection up: a daemon thread checks every second whether it is, and when not, connects again,
 * backing off from 1 s to 15 s between failed attempts. Both roles use it, for their first connection (RabbitMQ may
 * start after the service) and after a broker restart, so neither needs a restart of its own.
 */
final class Reconnector {
    private static final Logger LOG = Logger.getLogger(Reconnector.class);
    private static final long CHECK_MS = 1_000;
    private static final long MAX_BACKOFF_MS = 15_000;

    interface Connect {
        void connect() throws IOException;
    }

    private final Thread thread;
    private volatile boolean running = true;

    Reconnector(String name, BooleanSupplier up, Connect connect) {
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(() -> loop(up, connect));
    }

    void start() {
        thread.start();
    }

    void stop() {
        running = false;
        thread.interrupt();
    }

    private void loop(BooleanSupplier up, Connect connect) {
        long backoff = CHECK_MS;
        int failures = 0;
        while (running) {
            try {
                if (!up.getAsBoolean()) {
                    try {
                        connect.connect();
                        backoff = CHECK_MS;
                        failures = 0;
                    } catch (IOException | RuntimeException e) {
                        failures++;
                        if (failures == 1 || failures % 10 == 0) {
                            LOG.warnf("RabbitMQ not reachable (attempt %d, next in %d ms): %s", failures, backoff, e.getMessage());
                        }
                        Thread.sleep(backoff);
                        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
                        continue;
                    }
                }
                Thread.sleep(CHECK_MS);
            } catch (InterruptedException e) {
                if (!running) {
                    return;
                }
            }
        }
    }
}
