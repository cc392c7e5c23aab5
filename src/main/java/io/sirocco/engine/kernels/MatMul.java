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
        check(w, x);
        pool.parallelFor(w.rows(), grain(w.rowBytes() * Math.max(1, x.count)), (r0, r1) -> kernels.matmul(w, r0, r1, x, y, w.rows()));
    }

    /**
     * {@code y[i] = ws[i] · x} for matrices sharing one input (Q, K and V; gate and up) in one hand-off to the
     * pool instead of one per matrix: their rows are split as one range. Each row is computed as by
     * {@link #apply}, so the results are the same bits.
     */
    public float[][] applyEach(Activations x, Matrix... ws) {
        Activations[] xs = new Activations[ws.length];
        java.util.Arrays.fill(xs, x);
        return applyAll(ws, xs);
    }

    /**
     * {@code y[i] = ws[i] · xs[i]} in one hand-off to the pool (the MoE experts of a step: each expert's gate and
     * up, then each expert's down, with its own tokens): the rows of all products are split as one range. Each
     * row is computed as by {@link #apply}, so the results are the same bits.
     */
    public float[][] applyAll(Matrix[] ws, Activations[] xs) {
        int[] start = new int[ws.length + 1];
        float[][] ys = new float[ws.length][];
        long bytesPerRow = 0;
        for (int i = 0; i < ws.length; i++) {
            check(ws[i], xs[i]);
            ys[i] = new float[xs[i].count * ws[i].rows()];
            start[i + 1] = start[i] + ws[i].rows();
            bytesPerRow = Math.max(bytesPerRow, ws[i].rowBytes() * Math.max(1, xs[i].count));
        }
        pool.parallelFor(start[ws.length], grain(bytesPerRow), (r0, r1) -> {
            for (int i = 0; i < ws.length; i++) {
                int from = Math.max(r0, start[i]);
                int to = Math.min(r1, start[i + 1]);
                if (from < to) {
                    kernels.matmul(ws[i], from - start[i], to - start[i], xs[i], ys[i], ws[i].rows());
                }
            }
        });
        return ys;
    }

    /** Checks the shapes and quantizes x for w's type (before x is shared across threads). */
    private static void check(Matrix w, Activations x) {
        if (x.dim != w.cols()) {
            throw new IllegalArgumentException(w.name() + ": input of " + x.dim + " for " + w.cols() + " columns");
        }
        x.prepare(w.type());
    }

    /** Rows per chunk, for rows of bytesPerRow weight bytes times tokens. */
    private static int grain(long bytesPerRow) {
        return (int) Math.max(ROW_GRAIN, (MIN_BYTES_PER_THREAD / bytesPerRow + ROW_GRAIN - 1) / ROW_GRAIN * ROW_GRAIN);
    }
}
