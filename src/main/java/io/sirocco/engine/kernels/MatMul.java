package io.sirocco.engine.kernels;

/** Matrix × batch of vectors over the worker pool: quantizes activations once, splits by rows. */
public final class MatMul {
    private static final int ROW_GRAIN = 16;
    /** Below this much weight traffic per thread, handing work to another thread costs more than it saves. */
    private static final long MIN_BYTES_PER_THREAD = 64 * 1024;
    private final Kernels kernels;
    private final KernelThreads pool;

    public MatMul(Kernels kernels, KernelThreads pool) {
        this.kernels = kernels;
        this.pool = pool;
    }

    public Kernels kernels() {
        return kernels;
    }

    public KernelThreads pool() {
        return pool;
    }

    /** Returns y (count × rows): y[t·rows + r] = W[r]·x_t. */
    public float[] apply(Matrix w, Activations x) {
        float[] y = new float[x.count * w.rows()];
        apply(w, x, y);
        return y;
    }

    public void apply(Matrix w, Activations x, float[] y) {
        if (x.dim != w.cols()) {
            throw new IllegalArgumentException(w.name() + ": input of " + x.dim + " for " + w.cols() + " columns");
        }
        x.prepare(w.type());
        long bytesPerRow = w.rowBytes() * Math.max(1, x.count);
        int grain = (int) Math.max(ROW_GRAIN, (MIN_BYTES_PER_THREAD / bytesPerRow + ROW_GRAIN - 1) / ROW_GRAIN * ROW_GRAIN);
        pool.parallelFor(w.rows(), grain, (r0, r1) -> kernels.matmul(w, r0, r1, x, y, w.rows()));
    }
}
