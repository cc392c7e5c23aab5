package io.sirocco.engine.model;

import io.sirocco.engine.kernels.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
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
     * {@code scores[p] = dot(q[qo..qo+n), rows[offs[p]..offs[p]+n)) · scale} for p in [from, to]: the bits of one
     * {@link #dot} per position, but four positions at a time, so that their four fused multiply-add chains overlap
     * instead of each waiting on the one before.
     */
    static void dots(float[] q, int qo, float[] rows, int[] offs, int from, int to, float scale, float[] scores, int n) {
        int p = from;
        int bound = F.loopBound(n);
        for (; p + 3 <= to; p += 4) {
            int o0 = offs[p], o1 = offs[p + 1], o2 = offs[p + 2], o3 = offs[p + 3];
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < bound; i += F.length()) {
                FloatVector qv = FloatVector.fromArray(F, q, qo + i);
                a0 = qv.fma(FloatVector.fromArray(F, rows, o0 + i), a0);
                a1 = qv.fma(FloatVector.fromArray(F, rows, o1 + i), a1);
                a2 = qv.fma(FloatVector.fromArray(F, rows, o2 + i), a2);
                a3 = qv.fma(FloatVector.fromArray(F, rows, o3 + i), a3);
            }
            float s0 = Lanes.sumInOrder(a0), s1 = Lanes.sumInOrder(a1), s2 = Lanes.sumInOrder(a2), s3 = Lanes.sumInOrder(a3);
            for (int i = bound; i < n; i++) {
                s0 += q[qo + i] * rows[o0 + i];
                s1 += q[qo + i] * rows[o1 + i];
                s2 += q[qo + i] * rows[o2 + i];
                s3 += q[qo + i] * rows[o3 + i];
            }
            scores[p] = s0 * scale;
            scores[p + 1] = s1 * scale;
            scores[p + 2] = s2 * scale;
            scores[p + 3] = s3 * scale;
        }
        for (; p <= to; p++) {
            scores[p] = dot(q, qo, rows, offs[p], n) * scale;
        }
    }

    /**
     * e^x rounded from fdlibm's double result ({@code StrictMath}), for the router's softmax, whose top-k choice
     * should not move with the rounding of a faster exp. {@code Math.exp} may be a JIT intrinsic that rounds
     * differently from the interpreter's, which made greedy decoding depend on how warm the JVM was.
     */
    static float strictExp(float x) {
        return (float) StrictMath.exp(x);
    }

    private static final float EXP_LO = -87.33654f; // ln(Float.MIN_NORMAL): below, e^x is 0
    private static final float EXP_HI = 88.72283f; // ln(Float.MAX_VALUE): above, e^x is +∞
    private static final float LOG2E = 1.44269504f;
    private static final float ROUNDER = 12582912f; // 1.5·2^23: x + ROUNDER rounds x to an integer, kept in the low bits
    private static final int ROUNDER_BITS = 0x4B400000;
    private static final float LN2_HI = 0.693359375f; // ln 2 = LN2_HI + LN2_LO; n·LN2_HI is exact
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /**
     * e^x in float for attention's softmax and SiLU: x = n·ln 2 + r (|r| ≤ ln 2 / 2), e^r by Cephes' expf
     * polynomial, times 2^n built in the exponent bits; within 2 ulp of the true value. Only lanewise IEEE
     * operations (fused multiply-adds included), so every JIT tier and {@link #exp(FloatVector)} give the same bits.
     */
    static float exp(float x) {
        float xc = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float t = Math.fma(xc, LOG2E, ROUNDER);
        float n = t - ROUNDER;
        float r = Math.fma(n, -LN2_LO, Math.fma(n, -LN2_HI, xc));
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(P0, r, P1), r, P2), r, P3), r, P4), r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        int k = Float.floatToRawIntBits(t) - ROUNDER_BITS; // n as an int, −126..128
        int k1 = k >> 1;
        float e = y * Float.intBitsToFloat((k1 + 127) << 23) * Float.intBitsToFloat((k - k1 + 127) << 23);
        return x < EXP_LO ? 0f : x > EXP_HI ? Float.POSITIVE_INFINITY : e;
    }

    /** {@link #exp(float)} of every lane, the same operations in the same order. */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = xc.fma(LOG2E, ROUNDER);
        FloatVector n = t.sub(ROUNDER);
        FloatVector r = n.fma(bc(x, -LN2_LO), n.fma(bc(x, -LN2_HI), xc));
        FloatVector p = bc(x, P0).fma(r, bc(x, P1)).fma(r, bc(x, P2)).fma(r, bc(x, P3)).fma(r, bc(x, P4)).fma(r, bc(x, P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        IntVector k = t.reinterpretAsInts().sub(ROUNDER_BITS);
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
        FloatVector e = y.mul(k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                .mul(k.sub(k1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
        return e.blend(0f, x.lt(EXP_LO)).blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI));
    }

    private static FloatVector bc(FloatVector like, float v) {
        return FloatVector.broadcast(like.species(), v);
    }

    /** {@code a[i] = exp(a[i] − sub)} for i in [from, to]; returns their float sum, added in i order. */
    static float expShifted(float[] a, int from, int to, float sub) {
        int i = from;
        for (int bound = from + F.loopBound(to + 1 - from); i < bound; i += F.length()) {
            exp(FloatVector.fromArray(F, a, i).sub(sub)).intoArray(a, i);
        }
        for (; i <= to; i++) {
            a[i] = exp(a[i] - sub);
        }
        float sum = 0f;
        for (int j = from; j <= to; j++) {
            sum += a[j];
        }
        return sum;
    }

    /** SwiGLU: {@code gate[i] = silu(gate[i])·up[i]} for i in [from, to). */
    static void swiglu(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            g.div(exp(g.neg()).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) {
            gate[i] = silu(gate[i]) * up[i];
        }
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
     * register across the positions instead of being loaded and stored once per position, and four slices go together
     * so that their chains overlap.
     */
    static void axpyRows(float[] w, float scale, int[] offs, int from, int to, float[] rows, float[] out, int oo, int n) {
        int i = 0;
        int l = F.length();
        for (int bound = F.loopBound(n) - 3 * l; i < bound; i += 4 * l) { // four slices: four independent chains
            FloatVector a0 = FloatVector.fromArray(F, out, oo + i);
            FloatVector a1 = FloatVector.fromArray(F, out, oo + i + l);
            FloatVector a2 = FloatVector.fromArray(F, out, oo + i + 2 * l);
            FloatVector a3 = FloatVector.fromArray(F, out, oo + i + 3 * l);
            for (int p = from; p <= to; p++) {
                FloatVector wv = FloatVector.broadcast(F, w[p] * scale);
                int r = offs[p] + i;
                a0 = FloatVector.fromArray(F, rows, r).fma(wv, a0);
                a1 = FloatVector.fromArray(F, rows, r + l).fma(wv, a1);
                a2 = FloatVector.fromArray(F, rows, r + 2 * l).fma(wv, a2);
                a3 = FloatVector.fromArray(F, rows, r + 3 * l).fma(wv, a3);
            }
            a0.intoArray(out, oo + i);
            a1.intoArray(out, oo + i + l);
            a2.intoArray(out, oo + i + 2 * l);
            a3.intoArray(out, oo + i + 3 * l);
        }
        for (int bound = F.loopBound(n); i < bound; i += l) {
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
