package io.sirocco.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load shedding in front of the database pool. A request's database steps (key lookup, rate-limit counts, budget
 * reservation) each need a pooled connection; under a burst of thousands, every virtual thread used to wait on the
 * pool and many got a 503 only after its acquisition timeout, seconds later. Here each such step holds a place at the
 * gate for just that step: at most {@code concurrency} at once (below the pool's size, so the pool is never queued
 * on), at most {@code max-waiting} more wait (each for at most {@code wait-time}), and any other request is answered
 * at once: 503 {@code overloaded} with Retry-After, before it touches the pool. Tokenizing, the queue and generation
 * hold no place. Settings: {@code sirocco.gateway.admission.*} (docs/operations.md).
 */
@ApplicationScoped
public class AdmissionGate {
    private final Semaphore permits;
    private final int maxWaiting;
    private final long waitNanos;
    private final AtomicInteger waiting = new AtomicInteger();

    @Inject
    AdmissionGate(GatewayConfig config) {
        this(config.admission().concurrency(), config.admission().maxWaiting(), config.admission().waitTime());
    }

    AdmissionGate(int concurrency, int maxWaiting, Duration wait) {
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
