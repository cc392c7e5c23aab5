package io.sirocco.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The input of a matrix multiplication: {@code count} vectors of {@code dim} floats, row after row.
 * For block-quantized weights they are quantized once (llama.cpp's activation formats):
 * <ul>
 *   <li>Q8_0 (for Q8_0, Q4_0, Q5_0, Q5_1): per 32 values a scale {@code d = amax/127} rounded through
 *       fp16 and {@code q = rint(x·127/amax)} (half to even), plus {@code Σq} and {@code s = d·Σq} per
 *       block (the latter is what llama.cpp's Q8_1 adds, used by Q5_1's offset; Σq lets Q4_0 use its
 *       unsigned nibbles directly);</li>
 *   <li>Q8_K (for Q4_K, Q6_K): per 256 values a float scale {@code d = -max/127} where max is the value
 *       of largest magnitude, {@code q = min(127, rint(x/d))}, and the sum of each 16 q's.</li>
 * </ul>
 */
public final class Activations {
    public static final int BLOCK = 32;
    public static final int SUPER = 256;
    public final int count;
    public final int dim;
    public final float[] values;
    private byte[] q;
    private float[] qf;
    private float[] kqf;
    private float[] scales;
    private float[] sums;
    private int[] isums;
    private byte[] kq;
    private float[] kd;
    private short[] kbsums;

    public Activations(float[] values, int count, int dim) {
        if (values.length < count * dim) {
            throw new IllegalArgumentException("values too short");
        }
        this.values = values;
        this.count = count;
        this.dim = dim;
    }

    public boolean isQuantized() {
        return q != null;
    }

    /** Quantizes for weights of this type if not done yet (call before sharing across threads). */
    public Activations prepare(io.sirocco.engine.gguf.GgmlType type) {
        if (type.kQuant()) {
            return quantizeK();
        }
        return type.quantizedActivations() ? quantize() : this;
    }

    /** Quantizes to Q8_0 if not done yet; dim must be a multiple of 32. */
    public Activations quantize() {
        if (q == null) {
            byte[] qs = new byte[count * dim];
            float[] d = new float[count * dim / BLOCK];
            float[] s = new float[d.length];
            int[] is = new int[d.length];
            int[] ints = new int[BLOCK];
            for (int b = 0; b < d.length; b++) {
                d[b] = quantizeBlock(values, b * BLOCK, qs, is, b, ints);
                s[b] = d[b] * is[b];
            }
            scales = d;
            sums = s;
            isums = is;
            q = qs;
        }
        return this;
    }

    public boolean isQuantizedK() {
        return kq != null;
    }

    /** Quantizes to Q8_K if not done yet; dim must be a multiple of 256. */
    public Activations quantizeK() {
        if (kq == null) {
            if (dim % SUPER != 0) {
                throw new IllegalArgumentException(dim + " values per vector is not a multiple of " + SUPER);
            }
            int blocks = count * dim / SUPER;
            byte[] qs = new byte[count * dim];
            float[] d = new float[blocks];
            short[] bs = new short[count * dim / 16];
            for (int b = 0; b < blocks; b++) {
                d[b] = quantizeSuperBlock(values, b * SUPER, qs);
                for (int g = 0; g < SUPER / 16; g++) {
                    int sum = 0;
                    for (int j = 0; j < 16; j++) {
                        sum += qs[b * SUPER + g * 16 + j];
                    }
                    bs[b * (SUPER / 16) + g] = (short) sum;
                }
            }
            kd = d;
            kbsums = bs;
            kq = qs;
        }
        return this;
    }

    /** llama.cpp's quantize_row_q8_K_ref for one super-block; returns the scale. */
    static float quantizeSuperBlock(float[] x, int off, byte[] q) {
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < SUPER; j++) {
            float ax = Math.abs(x[off + j]);
            if (ax > amax) {
                amax = ax;
                max = x[off + j];
            }
        }
        if (amax == 0f) {
            return 0f;
        }
        float iscale = -127f / max;
        for (int j = 0; j < SUPER; j++) {
            q[off + j] = (byte) Math.min(127, (int) Math.rint(iscale * x[off + j]));
        }
        return 1f / iscale;
    }

    /** Q8_K values, count × dim. */
    public byte[] quantsK() {
        return kq;
    }

    /** The Q8_K values as floats (exact), for kernels that multiply in float lanes. */
    public float[] quantsKAsFloats() {
        float[] f = kqf;
        if (f == null) {
            f = new float[kq.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = kq[i];
            }
            kqf = f;
        }
        return f;
    }

    /** Q8_K scales, count × dim/256. */
    public float[] scalesK() {
        return kd;
    }

    /** Q8_K sums of each 16 values, count × dim/16. */
    public short[] blockSumsK() {
        return kbsums;
    }

    /** Σq of each Q8_0 block, count × dim/32. */
    public int[] blockIntSums() {
        return isums;
    }

    /** d·Σq of each Q8_0 block, count × dim/32. */
    public float[] blockSums() {
        return sums;
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final float ROUNDER = 12582912f; // 1.5·2^23: v + ROUNDER − ROUNDER is rint(v) for |v| < 2^22

    /**
     * One Q8_0 block of 32 values from x[off..]: q = rint(x·127/amax) (half to even, as {@code Math.rint}) into
     * q[off..], Σq into sums[b]; returns the scale amax/127 rounded through fp16. In vector lanes: the max and the
     * integer sum do not depend on the order and the rest is per value, so the bits are a scalar loop's.
     * {@code ints} is scratch for 32 values.
     */
    static float quantizeBlock(float[] x, int off, byte[] q, int[] sums, int b, int[] ints) {
        FloatVector m = FloatVector.zero(F);
        for (int j = 0; j < BLOCK; j += F.length()) {
            m = m.max(FloatVector.fromArray(F, x, off + j).abs());
        }
        float amax = m.reduceLanes(VectorOperators.MAX);
        float id = amax != 0f ? 127.0f / amax : 0f;
        IntVector sum = IntVector.zero(I);
        for (int j = 0; j < BLOCK; j += F.length()) {
            IntVector v = (IntVector) FloatVector.fromArray(F, x, off + j).mul(id).add(ROUNDER).sub(ROUNDER)
                    .convert(VectorOperators.F2I, 0);
            v.intoArray(ints, j);
            sum = sum.add(v);
        }
        for (int j = 0; j < BLOCK; j++) {
            q[off + j] = (byte) ints[j];
        }
        sums[b] = sum.reduceLanes(VectorOperators.ADD);
        return Fp16.roundToHalf(amax / 127.0f);
    }

    /** Q8_0 values, count × dim. */
    public byte[] quants() {
        return q;
    }

    /** The Q8_0 values as floats (exact), for kernels that multiply in float lanes. */
    public float[] quantsAsFloats() {
        float[] f = qf;
        if (f == null) {
            f = new float[q.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = q[i];
            }
            qf = f;
        }
        return f;
    }

    /** Q8_0 block scales, count × dim/32. */
    public float[] scales() {
        return scales;
    }

    /** A new batch made of rows {@code rows[0..n)} of this one (quantized rows copied too). */
    public Activations gather(int[] rows, int n) {
        float[] v = new float[n * dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(values, rows[i] * dim, v, i * dim, dim);
        }
        Activations a = new Activations(v, n, dim);
        if (q != null) {
            int nb = dim / BLOCK;
            a.q = new byte[n * dim];
            a.scales = new float[n * nb];
            a.sums = new float[n * nb];
            a.isums = new int[n * nb];
            for (int i = 0; i < n; i++) {
                System.arraycopy(q, rows[i] * dim, a.q, i * dim, dim);
                System.arraycopy(scales, rows[i] * nb, a.scales, i * nb, nb);
                System.arraycopy(sums, rows[i] * nb, a.sums, i * nb, nb);
                System.arraycopy(isums, rows[i] * nb, a.isums, i * nb, nb);
            }
        }
        if (kq != null) {
            int nb = dim / SUPER;
            int ng = dim / 16;
            a.kq = new byte[n * dim];
            a.kd = new float[n * nb];
            a.kbsums = new short[n * ng];
            for (int i = 0; i < n; i++) {
                System.arraycopy(kq, rows[i] * dim, a.kq, i * dim, dim);
                System.arraycopy(kd, rows[i] * nb, a.kd, i * nb, nb);
                System.arraycopy(kbsums, rows[i] * ng, a.kbsums, i * ng, ng);
            }
        }
        return a;
    }
}
