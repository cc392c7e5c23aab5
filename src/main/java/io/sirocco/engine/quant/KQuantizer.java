package io.sirocco.engine.quant;

/**
 * llama.cpp's reference K-quant quantizers ({@code quantize_row_q4_K_ref}, {@code quantize_row_q6_K_ref}
 * with {@code make_qkx2_quants} / {@code make_qx_quants}): 256-value super-blocks.
 * <ul>
 *   <li>Q4_K (144 bytes): fp16 d, fp16 dmin, 12 bytes of eight 6-bit (scale, min) pairs, 128 bytes of
 *       4-bit values; element = d·sc·q − dmin·m per 32-value sub-block;</li>
 *   <li>Q6_K (210 bytes): 128 bytes low 4 bits, 64 bytes high 2 bits, 16 int8 scales, fp16 d;
 *       element = d·sc·(q − 32) per 16-value group.</li>
 * </ul>
 */
public final class KQuantizer {
    static final int QK = 256;

    private KQuantizer() {
    }

    /** ggml's nearest_int: round half to even. */
    static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    public static byte[] q4_K(float[] x) {
        checkSuper(x.length);
        int blocks = x.length / QK;
        byte[] out = new byte[blocks * 144];
        int[] l = new int[QK];
        K4Scratch scratch = new K4Scratch();
        for (int i = 0; i < blocks; i++) {
            int o = i * 144;
            scalesAndLevelsK4(x, i * QK, 15, -1f, 20, out, o, l, scratch);
            for (int j = 0; j < QK; j += 64) {
                for (int k = 0; k < 32; k++) {
                    out[o + 16 + j / 2 + k] = (byte) (l[j + k] | (l[j + k + 32] << 4));
                }
            }
        }
        return out;
    }

    /** The working arrays of {@link #scalesAndLevelsK4}, made once per tensor. */
    private static final class K4Scratch {
        final int[] laux = new int[32];
        final float[] weights = new float[32];
        final float[] mins = new float[8];
        final float[] scales = new float[8];
        final float[] sub = new float[32];
        final int[] subL = new int[32];
        final float[] theMin = new float[1];
    }

    /**
     * What Q4_K and Q5_K share, for the super-block at {@code x[xo..xo+256)}: a scale and a min per 32-value
     * sub-block by make_qkx2_quants ({@code rmin}, {@code nstep} as llama.cpp passes them), written with fp16 d and
     * dmin as the block's first 16 bytes at {@code out[o..]}; then each value's level in 0..{@code nmax} into
     * {@code l}, from the rounded scales.
     */
    private static void scalesAndLevelsK4(float[] x, int xo, int nmax, float rmin, int nstep, byte[] out, int o,
                                          int[] l, K4Scratch t) {
        float maxScale = 0f;
        float maxMin = 0f;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0f;
            for (int k = 0; k < 32; k++) {
                float v = x[xo + 32 * j + k];
                sumX2 += v * v;
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int k = 0; k < 32; k++) {
                t.weights[k] = avX + Math.abs(x[xo + 32 * j + k]);
                t.sub[k] = x[xo + 32 * j + k];
            }
            t.scales[j] = makeQkx2Quants(32, nmax, t.sub, t.weights, t.subL, t.theMin, t.laux, rmin, 0.1f, nstep, false);
            t.mins[j] = t.theMin[0];
            System.arraycopy(t.subL, 0, l, 32 * j, 32);
            maxScale = Math.max(maxScale, t.scales[j]);
            maxMin = Math.max(maxMin, t.mins[j]);
        }
        byte[] sc = packScalesK4(t.scales, t.mins, maxScale, maxMin);
        short dh = Float.floatToFloat16(maxScale / 63f);
        short dminh = Float.floatToFloat16(maxMin / 63f);
        Quantizer.putLe16(out, o, dh);
        Quantizer.putLe16(out, o + 2, dminh);
        System.arraycopy(sc, 0, out, o + 4, 12);
        float dAll = Float.float16ToFloat(dh);
        float dminAll = Float.float16ToFloat(dminh);
        for (int j = 0; j < 8; j++) {
            float d = dAll * scaleK4(sc, 0, j);
            if (d == 0f) {
                continue;
            }
            float dm = dminAll * minK4(sc, 0, j);
            for (int k = 0; k < 32; k++) {
                l[32 * j + k] = Math.max(0, Math.min(nmax, nearestInt((x[xo + 32 * j + k] + dm) / d)));
            }
        }
    }

    /** get_scale_min_k4: the 6-bit scale of sub-block j from the 12 packed bytes at {@code sc[off..]}. */
    public static int scaleK4(byte[] sc, int off, int j) {
        return j < 4 ? sc[off + j] & 63 : (sc[off + j + 4] & 0xF) | (((sc[off + j - 4] & 0xff) >> 6) << 4);
    }

    /** get_scale_min_k4: the 6-bit min of sub-block j. */
    public static int minK4(byte[] sc, int off, int j) {
        return j < 4 ? sc[off + j + 4] & 63 : ((sc[off + j + 4] & 0xff) >> 4) | (((sc[off + j] & 0xff) >> 6) << 4);
    }

    /** make_qkx2_quants: weighted squared ({@code useMad} false) or absolute error. */
    static float makeQkx2Quants(int n, int nmax, float[] x, float[] weights, int[] l, float[] theMin, int[] laux,
                                float rmin, float rdelta, int nstep, boolean useMad) {
        float min = x[0];
        float max = x[0];
        float sumW = weights[0];
        float sumX = sumW * x[0];
        for (int i = 1; i < n; i++) {
            if (x[i] < min) {
                min = x[i];
            }
            if (x[i] > max) {
                max = x[i];
            }
            float w = weights[i];
            sumW += w;
            sumX += w * x[i];
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                l[i] = 0;
            }
            theMin[0] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestMad = 0;
        for (int i = 0; i < n; i++) {
            int q = nearestInt(iscale * (x[i] - min));
            l[i] = Math.max(0, Math.min(nmax, q));
            float diff = scale * l[i] + min - x[i];
            bestMad += weights[i] * (useMad ? Math.abs(diff) : diff * diff);
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXl = 0;
            for (int i = 0; i < n; i++) {
                int q = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[i] - min))));
                laux[i] = q;
                float w = weights[i];
                sumL += w * q;
                sumL2 += w * q * q;
                sumXl += w * q * x[i];
            }
            float d = sumW * sumL2 - sumL * sumL;
            if (d > 0) {
                float thisScale = (sumW * sumXl - sumX * sumL) / d;
                float thisMin = (sumL2 * sumX - sumL * sumXl) / d;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXl / sumL2;
                }
                float mad = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * laux[i] + thisMin - x[i];
                    mad += weights[i] * (useMad ? Math.abs(diff) : diff * diff);
                }
                if (mad < bestMad) {
                    System.arraycopy(laux, 0, l, 0, n);
                    bestMad = mad;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[0] = -min;
        return scale;
    }

    public static byte[] q6_K(float[] x) {
        checkSuper(x.length);
        int blocks = x.length / QK;
        byte[] out = new byte[blocks * 210];
        int[] l = new int[QK];
        float[] scales = new float[16];
        float[] sub = new float[16];
        int[] subL = new int[16];
        for (int i = 0; i < blocks; i++) {
            int xo = i * QK;
            int o = i * 210;
            float maxScale = 0f;
            float maxAbsScale = 0f;
            for (int ib = 0; ib < 16; ib++) {
                System.arraycopy(x, xo + 16 * ib, sub, 0, 16);
                float scale = makeQxQuants(16, 32, sub, subL);
                System.arraycopy(subL, 0, l, 16 * ib, 16);
                scales[ib] = scale;
                if (Math.abs(scale) > maxAbsScale) {
                    maxAbsScale = Math.abs(scale);
                    maxScale = scale;
                }
            }
            if (maxAbsScale < 1e-15f) {
                continue; // all zero
            }
            float iscale = -128f / maxScale;
            short dh = Float.floatToFloat16(1 / iscale);
            Quantizer.putLe16(out, o + 208, dh);
            byte[] sc = new byte[16];
            for (int ib = 0; ib < 16; ib++) {
                sc[ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
                out[o + 192 + ib] = sc[ib];
            }
            float dAll = Float.float16ToFloat(dh);
            for (int j = 0; j < 16; j++) {
                float d = dAll * sc[j];
                if (d == 0f) {
                    continue;
                }
                for (int k = 0; k < 16; k++) {
                    int q = nearestInt(x[xo + 16 * j + k] / d);
                    l[16 * j + k] = Math.max(-32, Math.min(31, q)) + 32;
                }
            }
            for (int j = 0; j < QK; j += 128) {
                int ql = o + j / 2;
                int qh = o + 128 + j / 4;
                for (int k = 0; k < 32; k++) {
                    int q1 = l[j + k] & 0xF;
                    int q2 = l[j + k + 32] & 0xF;
                    int q3 = l[j + k + 64] & 0xF;
                    int q4 = l[j + k + 96] & 0xF;
                    out[ql + k] = (byte) (q1 | (q3 << 4));
                    out[ql + k + 32] = (byte) (q2 | (q4 << 4));
                    out[qh + k] = (byte) ((l[j + k] >> 4) | ((l[j + k + 32] >> 4) << 2)
                            | ((l[j + k + 64] >> 4) << 4) | ((l[j + k + 96] >> 4) << 6));
                }
            }
        }
        return out;
    }

    /** make_qx_quants with rmse_type 1 (weights x²) and no importance: values in [-nmax, nmax). */
    static float makeQxQuants(int n, int nmax, float[] x, int[] l) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[i]);
            if (ax > amax) {
                amax = ax;
                max = x[i];
            }
        }
        if (amax < 1e-15f) {
            for (int i = 0; i < n; i++) {
                l[i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            int q = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[i])));
            l[i] = q + nmax;
            float w = x[i] * x[i];
            sumlx += w * x[i] * q;
            suml2 += w * q * q;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                int q = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[i])));
                float w = x[i] * x[i];
                sumlx += w * x[i] * q;
                suml2 += w * q * q;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    l[i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[i])));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * quantize_row_q5_K_ref (176 bytes): fp16 d, fp16 dmin, the 12 scale/min bytes of Q4_K, 32 bytes of
     * fifth bits ({@code qh}), 128 bytes of nibbles; element = d·sc·q − dmin·m per 32-value sub-block.
     */
    public static byte[] q5_K(float[] x) {
        checkSuper(x.length);
        int blocks = x.length / QK;
        byte[] out = new byte[blocks * 176];
        int[] l = new int[QK];
        K4Scratch scratch = new K4Scratch();
        for (int i = 0; i < blocks; i++) {
            int o = i * 176;
            scalesAndLevelsK4(x, i * QK, 31, -0.5f, 15, out, o, l, scratch);
            int qh = o + 16;
            int ql = o + 48;
            for (int n = 0; n < QK; n += 64) {
                int shift = n / 32;
                for (int j = 0; j < 32; j++) {
                    int l1 = l[n + j];
                    int l2 = l[n + j + 32];
                    out[qh + j] |= (byte) (((l1 >> 4) << shift) | ((l2 >> 4) << (shift + 1)));
                    out[ql + n / 2 + j] = (byte) ((l1 & 15) | ((l2 & 15) << 4));
                }
            }
        }
        return out;
    }

    /** The 12 bytes of eight 6-bit (scale, min) pairs of Q4_K and Q5_K. */
    private static byte[] packScalesK4(float[] scales, float[] mins, float maxScale, float maxMin) {
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        byte[] sc = new byte[12];
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xff);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xff);
            if (j < 4) {
                sc[j] = (byte) ls;
                sc[j + 4] = (byte) lm;
            } else {
                sc[j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
                sc[j - 4] |= (byte) ((ls >> 4) << 6);
                sc[j] |= (byte) ((lm >> 4) << 6);
            }
        }
        return sc;
    }

    /**
     * quantize_row_q3_K_ref (110 bytes): 32 bytes of high bits ({@code hmask}), 64 bytes of 2-bit values,
     * 12 bytes of sixteen 6-bit signed scales, fp16 d; element = d·(sc − 32)·(q − 4) per 16 values.
     */
    public static byte[] q3_K(float[] x) {
        checkSuper(x.length);
        int blocks = x.length / QK;
        byte[] out = new byte[blocks * 110];
        int[] l = new int[QK];
        float[] scales = new float[16];
        float[] sub = new float[16];
        int[] subL = new int[16];
        for (int i = 0; i < blocks; i++) {
            int xo = i * QK;
            int o = i * 110;
            float maxScale = 0f;
            float amax = 0f;
            for (int j = 0; j < 16; j++) {
                System.arraycopy(x, xo + 16 * j, sub, 0, 16);
                scales[j] = makeQ3Quants(16, 4, sub, subL);
                System.arraycopy(subL, 0, l, 16 * j, 16);
                float scale = Math.abs(scales[j]);
                if (scale > amax) {
                    amax = scale;
                    maxScale = scales[j];
                }
            }
            int so = o + 96;
            if (maxScale != 0f) {
                float iscale = -32f / maxScale;
                for (int j = 0; j < 16; j++) {
                    int v = Math.max(-32, Math.min(31, (byte) nearestInt(iscale * scales[j]))) + 32;
                    if (j < 8) {
                        out[so + j] = (byte) (v & 0xF);
                    } else {
                        out[so + j - 8] |= (byte) ((v & 0xF) << 4);
                    }
                    out[so + 8 + j % 4] |= (byte) ((v >> 4) << (2 * (j / 4)));
                }
                Quantizer.putLe16(out, o + 108, Float.floatToFloat16(1 / iscale));
            }
            float dAll = Quantizer.f16(out, o + 108);
            for (int j = 0; j < 16; j++) {
                float d = dAll * scaleK3(out, so, j);
                if (d == 0f) {
                    continue;
                }
                for (int k = 0; k < 16; k++) {
                    l[16 * j + k] = Math.max(-4, Math.min(3, nearestInt(x[xo + 16 * j + k] / d))) + 4;
                }
            }
            for (int j = 0; j < QK; j++) {
                if (l[j] > 3) {
                    out[o + j % 32] |= (byte) (1 << (j / 32));
                    l[j] -= 4;
                }
            }
            packTwoBits(l, out, o + 32);
        }
        return out;
    }

    /** The signed 6-bit scale (−32..31) of 16-value group j of a Q3_K block, scale bytes at {@code so}. */
    public static int scaleK3(byte[] b, int so, int j) {
        int low = j < 8 ? b[so + j] & 0xF : (b[so + j - 8] & 0xff) >> 4;
        return (low | (((b[so + 8 + j % 4] & 0xff) >> (2 * (j / 4))) & 3) << 4) - 32;
    }

    /** Four 2-bit values per byte: byte l of each 32-byte quarter holds elements l, l+32, l+64, l+96 of 128. */
    private static void packTwoBits(int[] l, byte[] out, int qo) {
        for (int j = 0; j < QK; j += 128) {
            for (int k = 0; k < 32; k++) {
                out[qo + j / 4 + k] = (byte) (l[j + k] | (l[j + k + 32] << 2) | (l[j + k + 64] << 4) | (l[j + k + 96] << 6));
            }
        }
    }

    /** make_q3_quants with do_rmse: values in [−nmax, nmax), returned in l as value + nmax. */
    static float makeQ3Quants(int n, int nmax, float[] x, int[] l) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[i]);
            if (ax > amax) {
                amax = ax;
                max = x[i];
            }
        }
        if (amax < 1e-15f) {
            java.util.Arrays.fill(l, 0, n, 0);
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            int q = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[i])));
            l[i] = q;
            float w = x[i] * x[i];
            sumlx += w * x[i] * q;
            suml2 += w * q * q;
        }
        for (int itry = 0; itry < 5; itry++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float w = x[i] * x[i];
                float slx = sumlx - w * x[i] * l[i];
                if (slx > 0) {
                    float sl2 = suml2 - w * l[i] * l[i];
                    int newL = Math.max(-nmax, Math.min(nmax - 1, nearestInt(x[i] * sl2 / slx)));
                    if (newL != l[i]) {
                        slx += w * x[i] * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            l[i] = newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) {
                break;
            }
        }
        for (int i = 0; i < n; i++) {
            l[i] += nmax;
        }
        return sumlx / suml2;
    }

    /**
     * quantize_row_q2_K_ref (84 bytes): sixteen bytes of 4-bit (scale | min << 4), 64 bytes of 2-bit
     * values, fp16 d, fp16 dmin; element = d·sc·q − dmin·m per 16 values.
     */
    public static byte[] q2_K(float[] x) {
        checkSuper(x.length);
        int blocks = x.length / QK;
        byte[] out = new byte[blocks * 84];
        int[] l = new int[QK];
        int[] laux = new int[16];
        float[] weights = new float[16];
        float[] mins = new float[16];
        float[] scales = new float[16];
        float[] sub = new float[16];
        int[] subL = new int[16];
        float[] theMin = new float[1];
        for (int i = 0; i < blocks; i++) {
            int xo = i * QK;
            int o = i * 84;
            float maxScale = 0f;
            float maxMin = 0f;
            for (int j = 0; j < 16; j++) {
                for (int k = 0; k < 16; k++) {
                    sub[k] = x[xo + 16 * j + k];
                    weights[k] = Math.abs(sub[k]);
                }
                scales[j] = makeQkx2Quants(16, 3, sub, weights, subL, theMin, laux, -0.5f, 0.1f, 15, true);
                mins[j] = theMin[0];
                System.arraycopy(subL, 0, l, 16 * j, 16);
                maxScale = Math.max(maxScale, scales[j]);
                maxMin = Math.max(maxMin, mins[j]);
            }
            if (maxScale > 0) {
                float iscale = 15f / maxScale;
                for (int j = 0; j < 16; j++) {
                    out[o + j] = (byte) nearestInt(iscale * scales[j]);
                }
                Quantizer.putLe16(out, o + 80, Float.floatToFloat16(maxScale / 15f));
            }
            if (maxMin > 0) {
                float iscale = 15f / maxMin;
                for (int j = 0; j < 16; j++) {
                    out[o + j] |= (byte) (nearestInt(iscale * mins[j]) << 4);
                }
                Quantizer.putLe16(out, o + 82, Float.floatToFloat16(maxMin / 15f));
            }
            float dAll = Quantizer.f16(out, o + 80);
            float dminAll = Quantizer.f16(out, o + 82);
            for (int j = 0; j < 16; j++) {
                float d = dAll * (out[o + j] & 0xF);
                if (d == 0f) {
                    continue;
                }
                float dm = dminAll * ((out[o + j] & 0xff) >> 4);
                for (int k = 0; k < 16; k++) {
                    l[16 * j + k] = Math.max(0, Math.min(3, nearestInt((x[xo + 16 * j + k] + dm) / d)));
                }
            }
            packTwoBits(l, out, o + 16);
        }
        return out;
    }

    private static void checkSuper(int n) {
        if (n % QK != 0) {
            throw new IllegalArgumentException(n + " elements is not a multiple of " + QK);
        }
    }
}
