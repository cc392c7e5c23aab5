package io.sirocco.engine.kernels;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fixed pool of kernel threads. {@link #parallelFor} splits a range into a few contiguous chunks per
 * thread, handed out dynamically; the caller works too. Threads are created once, never per step.
 */
public final class WorkerPool implements AutoCloseable {
    public interface RangeTask {
        void run(int from, int to);
    }

    private final int threads;
    private final ExecutorService executor;

    public WorkerPool(int threads) {
        this.threads = Math.max(1, threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads);
        this.executor = this.threads == 1 ? null : Executors.newFixedThreadPool(this.threads - 1, r -> {
            Thread t = new Thread(r, "sirocco-kernel");
            t.setDaemon(true);
            return t;
        });
    }

    public int threads() {
        return threads;
    }

    /** Chunks per thread: a thread that is descheduled (shared machines) delays only a small chunk. */
    private static final int CHUNKS_PER_THREAD = 4;

    /**
     * Runs task over [0, n) in chunks that are multiples of {@code grain} (except the last). The chunks
     * are handed out dynamically (an atomic counter) to the caller and up to threads − 1 pool threads.
     */
    public void parallelFor(int n, int grain, RangeTask task) {
        int g = Math.max(1, grain);
        int maxChunks = (n + g - 1) / g;
        int helpers = Math.min(threads, Math.max(1, n / g)) - 1;
        if (helpers <= 0) {
            task.run(0, n);
            return;
        }
        int chunks = Math.min(maxChunks, threads * CHUNKS_PER_THREAD);
        int per = ((n + chunks - 1) / chunks + g - 1) / g * g;
        int count = (n + per - 1) / per;
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(helpers);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable work = () -> {
            for (int c; (c = next.getAndIncrement()) < count && failure.get() == null; ) {
                task.run(c * per, Math.min(n, c * per + per));
            }
        };
        for (int h = 0; h < helpers; h++) {
            executor.execute(() -> {
                try {
                    work.run();
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            });
        }
        try {
            work.run();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (failure.get() != null) {
            throw new IllegalStateException("kernel task failed", failure.get());
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
