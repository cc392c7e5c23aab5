package io.sirocco.engine.quant;

/**
 * llama.cpp's non-linear 4-bit quantizers as llama-quantize runs them without an importance matrix
 * ({@code quantize_iq4_nl}/{@code quantize_iq4_xs}: {@code quantize_row_iq4_nl_impl} with 7 tries).
 * Each 4-bit index selects one of the sixteen {@link #VALUES}.
 * <ul>
 *   <li>IQ4_NL (18 bytes per 32 values): fp16 d, 16 bytes of indices (low nibbles elements 0–15, high
 *       nibbles 16–31); element = d·VALUES[q];</li>
 *   <li>IQ4_XS (136 bytes per 256 values): fp16 d, u16 {@code scales_h} (2 high bits per sub-block),
 *       4 bytes {@code scales_l} (4 low bits), 128 bytes of indices laid out as IQ4_NL per 32 values;
 *       element = d·(ls − 32)·VALUES[q] with the 6-bit ls of its sub-block.</li>
 * </ul>
 */
public final class IQ4Quantizer {
    /** The format's sixteen non-linear values (kvalues_iq4nl). */
    public static final byte[] VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    private static final int TRIES = 7;

    private IQ4Quantizer() {
    }

    public static byte[] iq4_nl(float[] x) {
        Quantizer.checkBlocks(x.length);
        byte[] out = new byte[x.length / 32 * 18];
        float[] scales = new float[1];
        int[] l = new int[32];
        for (int b = 0; b < x.length / 32; b++) {
            quantize(x, b * 32, 32, out, b * 18, scales, l);
        }
        return out;
    }

    public static byte[] iq4_xs(float[] x) {
        if (x.length % 256 != 0) {
            throw new IllegalArgumentException(x.length + " elements is not a multiple of 256");
        }
        byte[] out = new byte[x.length / 256 * 136];
        float[] scales = new float[8];
        int[] l = new int[256];
        for (int b = 0; b < x.length / 256; b++) {
            quantize(x, b * 256, 256, out, b * 136, scales, l);
        }
        return out;
    }

    /** quantize_row_iq4_nl_impl for one super-block of {@code size} (32: IQ4_NL, 256: IQ4_XS) at x[xo]. */
    private static void quantize(float[] x, int xo, int size, byte[] out, int o, float[] scales, int[] l) {
        int nb = size / 32;
        float maxScale = 0;
        float amaxScale = 0;
        for (int ib = 0; ib < nb; ib++) {
            int xb = xo + 32 * ib;
            float amax = 0;
            float max = 0;
            for (int j = 0; j < 32; j++) {
                float ax = Math.abs(x[xb + j]);
                if (ax > amax) {
                    amax = ax;
                    max = x[xb + j];
                }
            }
            if (amax < 1e-15f) {
                scales[ib] = 0;
                continue;
            }
            float d = -max / VALUES[0];
            float id = 1 / d;
            float sumqx = 0;
            float sumq2 = 0;
            for (int j = 0; j < 32; j++) {
                int q = bestIndex(id * x[xb + j]);
                l[32 * ib + j] = q;
                float v = VALUES[q];
                float w = x[xb + j] * x[xb + j];
                sumqx += w * v * x[xb + j];
                sumq2 += w * v * v;
            }
            d = sumqx / sumq2;
            float best = d * sumqx;
            for (int itry = -TRIES; itry <= TRIES; itry++) {
                id = (itry + VALUES[0]) / max;
                sumqx = 0;
                sumq2 = 0;
                for (int j = 0; j < 32; j++) {
                    float v = VALUES[bestIndex(id * x[xb + j])];
                    float w = x[xb + j] * x[xb + j];
                    sumqx += w * v * x[xb + j];
                    sumq2 += w * v * v;
                }
                if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                    d = sumqx / sumq2;
                    best = d * sumqx;
                }
            }
            scales[ib] = d;
            if (Math.abs(d) > amaxScale) {
                amaxScale = Math.abs(d);
                maxScale = d;
            }
        }
        if (nb > 1) {
            float d = -maxScale / 32;
            short dh = Float.floatToFloat16(d);
            Quantizer.putLe16(out, o, dh);
            float id = d != 0 ? 1 / d : 0f;
            int scalesH = 0;
            for (int ib = 0; ib < nb; ib++) {
                int ls = Math.max(-32, Math.min(31, KQuantizer.nearestInt(id * scales[ib])));
                float dl = d * ls;
                float idl = dl != 0 ? 1 / dl : 0f;
                for (int j = 0; j < 32; j++) {
                    l[32 * ib + j] = bestIndex(idl * x[xo + 32 * ib + j]);
                }
                ls += 32;
                out[o + 4 + ib / 2] |= (byte) ((ls & 0xf) << (4 * (ib % 2)));
                scalesH |= (ls >> 4) << (2 * ib);
            }
            Quantizer.putLe16(out, o + 2, (short) scalesH);
        } else {
            Quantizer.putLe16(out, o, Float.floatToFloat16(scales[0]));
            float id = scales[0] != 0 ? 1 / scales[0] : 0;
            for (int j = 0; j < 32; j++) {
                l[j] = bestIndex(id * x[xo + j]);
            }
        }
        int qo = o + (nb > 1 ? 8 : 2);
        for (int i = 0; i < nb; i++) {
            for (int j = 0; j < 16; j++) {
                out[qo + 16 * i + j] = (byte) (l[32 * i + j] | (l[32 * i + 16 + j] << 4));
            }
        }
    }

    /** best_index_int8: the index of the value nearest to v (the lower one on ties). */
    static int bestIndex(float v) {
        if (v <= VALUES[0]) {
            return 0;
        }
        if (v >= VALUES[15]) {
            return 15;
        }
        int lo = 0;
        int hi = 15;
        while (hi - lo > 1) {
            int mid = (lo + hi) / 2;
            if (v < VALUES[mid]) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return v - VALUES[hi - 1] < VALUES[hi] - v ? hi - 1 : hi;
    }
}
