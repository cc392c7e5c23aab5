package io.sirocco.engine.kernels;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fixed pool of kernel threads. {@link #parallelFor} splits a range into one contiguous chunk per
 * thread; the caller runs the first chunk itself. Threads are created once, never per step.
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

    /** Runs task over [0, n) in chunks that are multiples of {@code grain} (except the last). */
    public void parallelFor(int n, int grain, RangeTask task) {
        int chunks = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1) {
            task.run(0, n);
            return;
        }
        int per = (n / chunks + grain - 1) / grain * grain;
        CountDownLatch done = new CountDownLatch(chunks - 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int c = 1; c < chunks; c++) {
            int from = Math.min(n, c * per);
            int to = c == chunks - 1 ? n : Math.min(n, from + per);
            executor.execute(() -> {
                try {
                    if (from < to) {
                        task.run(from, to);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            });
        }
        task.run(0, Math.min(n, per));
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
