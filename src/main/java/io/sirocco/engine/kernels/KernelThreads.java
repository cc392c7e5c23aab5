package io.sirocco.engine.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed pool of kernel threads, created once (never per step). {@link #parallelFor} splits a range
 * into a few contiguous chunks per thread, handed out dynamically; the caller works too and waits only
 * for chunks a helper has claimed. Between jobs the helpers spin for {@link #SPIN_NANOS} before they
 * park: a decode step hands ~40 small jobs to the pool back to back (5 per layer), and waking a parked thread for
 * each would cost more than many of the jobs themselves.
 */
public final class KernelThreads implements AutoCloseable {
    public interface RangeTask {
        void run(int from, int to);
    }

    /** Chunks per thread: a thread that is descheduled (shared machines) delays only a small chunk. */
    private static final int CHUNKS_PER_THREAD = 4;
    /** How long an idle helper polls for the next job before parking. */
    static final long SPIN_NANOS = 200_000;
    /**
     * How long the caller, its own chunks done, polls for the helpers' last chunks before it parks. Parking
     * and being unparked costs two futex calls and a wake-up (tens of µs) on each of a decode step's ~40
     * hand-offs, about as long as the helper's remaining chunk.
     */
    static final long CALLER_SPIN_NANOS = 50_000;

    private final int threads;
    private final Helper[] helpers;
    private final ReentrantLock dispatch = new ReentrantLock();
    private volatile Job current;
    private volatile boolean closed;

    public KernelThreads(int threads) {
        this.threads = Math.max(1, threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads);
        helpers = new Helper[this.threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = new Helper();
            helpers[i].setName("sirocco-kernel-" + (i + 1));
            helpers[i].setDaemon(true);
            helpers[i].start();
        }
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs task over [0, n) in chunks that are multiples of {@code grain} (except the last). The chunks
     * are handed out dynamically (an atomic counter) to the caller and the helpers. The caller waits
     * only for chunks that a helper has claimed: a helper that is not running yet (a busy shared
     * machine) never holds the step up. A call made while the pool is busy with another call (another
     * thread, or a task calling back) runs on the calling thread alone.
     */
    public void parallelFor(int n, int grain, RangeTask task) {
        int g = Math.max(1, grain);
        int useful = Math.min(threads, Math.max(1, n / g));
        if (useful <= 1 || closed || !dispatch.tryLock()) {
            task.run(0, n);
            return;
        }
        try {
            int chunks = Math.min((n + g - 1) / g, threads * CHUNKS_PER_THREAD);
            int per = ((n + chunks - 1) / chunks + g - 1) / g * g;
            Job job = new Job(task, n, per, (n + per - 1) / per, Thread.currentThread());
            current = job;
            for (Helper h : helpers) {
                if (h.sleeping) {
                    LockSupport.unpark(h);
                }
            }
            job.work();
            long parkAfter = System.nanoTime() + CALLER_SPIN_NANOS;
            while (job.remaining.get() > 0) {
                if (System.nanoTime() < parkAfter) {
                    Thread.onSpinWait(); // a helper's last chunk usually ends within microseconds: no futex round trip
                } else {
                    LockSupport.park(job);
                }
            }
            current = null;
            if (job.failure.get() != null) {
                throw new IllegalStateException("kernel task failed", job.failure.get());
            }
        } finally {
            dispatch.unlock();
        }
    }

    /** A helper thread: runs each new job's chunks, spins a while for the next one, then parks. */
    private final class Helper extends Thread {
        volatile boolean sleeping;

        @Override
        public void run() {
            Job last = null;
            long idleSince = System.nanoTime();
            while (!closed) {
                Job j = current;
                if (j != null && j != last) {
                    last = j;
                    j.work();
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    sleeping = true;
                    Job again = current; // re-check after announcing: parallelFor unparks sleepers after publishing
                    if (again == null || again == last) {
                        LockSupport.park(this);
                    }
                    sleeping = false;
                    idleSince = System.nanoTime();
                }
            }
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
        closed = true;
        for (Helper h : helpers) {
            LockSupport.unpark(h);
        }
    }
}
