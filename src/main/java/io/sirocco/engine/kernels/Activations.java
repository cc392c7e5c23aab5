package io.sirocco.engine.kernels;

/**
 * The input of a matrix multiplication: {@code count} vectors of {@code dim} floats, row after row.
 * For block-quantized weights they are quantized once to Q8_0 blocks (llama.cpp's activation
 * format): per 32 values a scale {@code d = amax/127} rounded through fp16 and
 * {@code q = rint(x·127/amax)} (half to even).
 */
public final class Activations {
    public static final int BLOCK = 32;
    public final int count;
    public final int dim;
    public final float[] values;
    private byte[] q;
    private float[] qf;
    private float[] scales;

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

    /** Quantizes to Q8_0 if not done yet; dim must be a multiple of 32. */
    public Activations quantize() {
        if (q == null) {
            byte[] qs = new byte[count * dim];
            float[] d = new float[count * dim / BLOCK];
            for (int b = 0; b < d.length; b++) {
                d[b] = quantizeBlock(values, b * BLOCK, qs);
            }
            scales = d;
            q = qs;
        }
        return this;
    }

    static float quantizeBlock(float[] x, int off, byte[] q) {
        float amax = 0f;
        for (int j = 0; j < BLOCK; j++) {
            amax = Math.max(amax, Math.abs(x[off + j]));
        }
        float id = amax != 0f ? 127.0f / amax : 0f;
        for (int j = 0; j < BLOCK; j++) {
            q[off + j] = (byte) Math.rint(x[off + j] * id);
        }
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
            for (int i = 0; i < n; i++) {
                System.arraycopy(q, rows[i] * dim, a.q, i * dim, dim);
                System.arraycopy(scales, rows[i] * nb, a.scales, i * nb, nb);
            }
        }
        return a;
    }
}
