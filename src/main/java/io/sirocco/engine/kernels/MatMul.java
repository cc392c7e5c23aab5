package io.sirocco.engine.kernels;

/** Matrix × batch of vectors over the worker pool: quantizes activations once, splits by rows. */
public final class MatMul {
    private static final int ROW_GRAIN = 16;
    private final Kernels kernels;
    private final WorkerPool pool;

    public MatMul(Kernels kernels, WorkerPool pool) {
        this.kernels = kernels;
        this.pool = pool;
    }

    public Kernels kernels() {
        return kernels;
    }

    public WorkerPool pool() {
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
        if (w.type().quantizedActivations()) {
            x.quantize();
        }
        pool.parallelFor(w.rows(), ROW_GRAIN, (r0, r1) -> kernels.matmul(w, r0, r1, x, y, w.rows()));
    }
}
