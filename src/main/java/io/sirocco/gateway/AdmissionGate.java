package io.sirocco.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load shedding in front of the database pool. The front section of a request (key lookup, rate-limit counts,
 * tokenizing, budget reservation) needs pooled connections; under a burst of thousands, every virtual thread used to
 * wait on the pool and many got a 503 only after its acquisition timeout. Here at most {@code concurrency} requests
 * run that section at once (a few times the pool's size, so its queue stays short), at most {@code max-waiting} more
 * wait (each for at most {@code wait-time}), and any other request is answered 503 {@code overloaded} with
 * Retry-After without touching the pool. One place per request for the whole section: a request admitted once never
 * queues again behind new arrivals (a place per database step did, and shed nearly everything; docs/benchmarks.md).
 * Settings: {@code sirocco.gateway.admission.*} (docs/configuration.md). Off by default ({@code concurrency} 0): on
 * the measured burst it still shed most requests that the pool would have served (docs/benchmarks.md, Overload).
 */
@ApplicationScoped
public class AdmissionGate {
    private final boolean enabled;
    private final Semaphore permits;
    private final int maxWaiting;
    private final long waitNanos;
    private final AtomicInteger waiting = new AtomicInteger();

    @Inject
    AdmissionGate(GatewayConfig config) {
        this(config.admission().concurrency(), config.admission().maxWaiting(), config.admission().waitTime());
    }

    AdmissionGate(int concurrency, int maxWaiting, Duration wait) {
        this.enabled = concurrency > 0;
        this.permits = new Semaphore(Math.max(1, concurrency), true);
        this.maxWaiting = Math.max(0, maxWaiting);
        this.waitNanos = wait.toNanos();
    }

    /** Held while a request runs its database steps; closing it lets the next one in. */
    public interface Pass extends AutoCloseable {
        @Override
        void close();
    }

    /** Waits for a place, or throws a 503 {@link ApiError} at once when too many already wait, or after the wait. */
    public Pass enter() throws InterruptedException {
        if (!enabled) {
            return () -> { };
        }
        if (!permits.tryAcquire()) {
            if (waiting.incrementAndGet() > maxWaiting) {
                waiting.decrementAndGet();
                throw overloaded();
            }
            try {
                if (!permits.tryAcquire(waitNanos, TimeUnit.NANOSECONDS)) {
                    throw overloaded();
                }
            } finally {
                waiting.decrementAndGet();
            }
        }
        boolean[] closed = {false};
        return () -> {
            if (!closed[0]) {
                closed[0] = true;
                permits.release();
            }
        };
    }

    /** Requests waiting for a place now. */
    int waiting() {
        return waiting.get();
    }

    private static ApiError overloaded() {
        return ApiError.unavailable("overloaded", "the service is overloaded; retry shortly", 1);
    }
}
