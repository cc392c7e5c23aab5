package io.sirocco.engine.kernels;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

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
     * The caller waits only for chunks that a helper has claimed: a helper that has not been scheduled
     * yet (a busy shared machine) never holds the step up; it finds no chunk left and returns.
     */
    public void parallelFor(int n, int grain, RangeTask task) {
        int g = Math.max(1, grain);
        int helpers = Math.min(threads, Math.max(1, n / g)) - 1;
        if (helpers <= 0) {
            task.run(0, n);
            return;
        }
        int chunks = Math.min((n + g - 1) / g, threads * CHUNKS_PER_THREAD);
        int per = ((n + chunks - 1) / chunks + g - 1) / g * g;
        Job job = new Job(task, n, per, (n + per - 1) / per, Thread.currentThread());
        for (int h = 0; h < helpers; h++) {
            executor.execute(job::work);
        }
        job.work();
        while (job.remaining.get() > 0) {
            LockSupport.park(job);
        }
        if (job.failure.get() != null) {
            throw new IllegalStateException("kernel task failed", job.failure.get());
        }
    }

    /** One parallelFor: chunk counter, chunks not yet finished, the first failure. */
    private static final class Job {
        final RangeTask task;
        final int n;
        final int per;
        final int count;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger remaining;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(RangeTask task, int n, int per, int count, Thread caller) {
            this.task = task;
            this.n = n;
            this.per = per;
            this.count = count;
            this.caller = caller;
            this.remaining = new AtomicInteger(count);
        }

        void work() {
            for (int c; (c = next.getAndIncrement()) < count; ) {
                try {
                    if (failure.get() == null) {
                        task.run(c * per, Math.min(n, c * per + per));
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (remaining.decrementAndGet() == 0 && Thread.currentThread() != caller) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
