package io.sirocco.engine.model;

import io.sirocco.engine.kernels.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Small float-vector helpers for the parts of the forward pass outside the matmul kernels. */
final class VecMath {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private VecMath() {
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        }
        float s = Lanes.sumInOrder(acc);
        for (; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    /**
     * e^x with the same bits on every run: {@code Math.exp} may be a JIT intrinsic that rounds differently from
     * the interpreter's, which made greedy decoding depend on how warm the JVM was.
     */
    static float exp(float x) {
        return (float) StrictMath.exp(x);
    }

    /** y += a·x */
    static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        FloatVector av = FloatVector.broadcast(F, a);
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).fma(av, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += a * x[xo + i];
        }
    }

    /**
     * {@code out[oo + j] += Σ_p (w[p]·scale)·rows[offs[p] + j]} for p in [from, to] and j < n: one {@link #axpy} per p
     * in p order, with the same fused multiply-adds (so the same bits), but each vector slice of out stays in a
     * register across the positions instead of being loaded and stored once per position.
     */
    static void axpyRows(float[] w, float scale, int[] offs, int from, int to, float[] rows, float[] out, int oo, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector acc = FloatVector.fromArray(F, out, oo + i);
            for (int p = from; p <= to; p++) {
                acc = FloatVector.fromArray(F, rows, offs[p] + i).fma(FloatVector.broadcast(F, w[p] * scale), acc);
            }
            acc.intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            float y = out[oo + i];
            for (int p = from; p <= to; p++) {
                y += (w[p] * scale) * rows[offs[p] + i];
            }
            out[oo + i] = y;
        }
    }

    /** RMSNorm as llama.cpp computes it: double sum of squares, float scale, then × weight. */
    static void rmsNorm(float[] x, int xo, float[] w, float eps, float[] out, int oo, int n) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += (double) x[xo + i] * x[xo + i];
        }
        float mean = (float) (ss / n);
        float scale = 1.0f / (float) Math.sqrt(mean + eps);
        for (int i = 0; i < n; i++) {
            out[oo + i] = (x[xo + i] * scale) * w[i];
        }
    }

    static float silu(float x) {
        return x / (1.0f + exp(-x));
    }
}
