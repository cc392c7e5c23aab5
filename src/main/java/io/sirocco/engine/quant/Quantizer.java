package io.sirocco.engine.quant;

import io.sirocco.engine.gguf.GgmlType;

/**
 * llama.cpp's reference row quantizers (F32, F16, BF16, Q8_0, Q4_0 bit-exact per golden README §7;
 * Q5_0, Q5_1 and the K-quants in {@link KQuantizer} follow llama.cpp's {@code quantize_row_*_ref}). Input is a tensor in element
 * order; output is the concatenation of its blocks.
 */
public final class Quantizer {
    private Quantizer() {
    }

    public static byte[] encode(GgmlType type, float[] x) {
        return switch (type) {
            case F32 -> f32(x);
            case F16 -> f16(x);
            case BF16 -> bf16(x);
            case Q8_0 -> q8_0(x);
            case Q4_0 -> q4_0(x);
            case Q5_0 -> q5_0(x);
            case Q5_1 -> q5_1(x);
            case Q4_K -> KQuantizer.q4_K(x);
            case Q6_K -> KQuantizer.q6_K(x);
            case Q5_K -> KQuantizer.q5_K(x);
            case Q3_K -> KQuantizer.q3_K(x);
            case Q2_K -> KQuantizer.q2_K(x);
            case IQ4_NL -> IQ4Quantizer.iq4_nl(x);
            case IQ4_XS -> IQ4Quantizer.iq4_xs(x);
            case IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M -> IQuantizer.encode(type, x);
            default -> throw new IllegalArgumentException("no quantizer for " + type);
        };
    }

    static byte[] f32(float[] x) {
        byte[] out = new byte[x.length * 4];
        for (int i = 0; i < x.length; i++) {
            putLe32(out, i * 4, Float.floatToRawIntBits(x[i]));
        }
        return out;
    }

    static byte[] f16(float[] x) {
        byte[] out = new byte[x.length * 2];
        for (int i = 0; i < x.length; i++) {
            putLe16(out, i * 2, Float.floatToFloat16(x[i]));
        }
        return out;
    }

    static byte[] bf16(float[] x) {
        byte[] out = new byte[x.length * 2];
        for (int i = 0; i < x.length; i++) {
            putLe16(out, i * 2, toBf16(x[i]));
        }
        return out;
    }

    /** ggml's fp32 → bf16: round to nearest even, NaN stays quiet NaN. */
    public static short toBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    public static byte[] q8_0(float[] x) {
        checkBlocks(x.length);
        int blocks = x.length / 32;
        byte[] out = new byte[blocks * 34];
        for (int b = 0; b < blocks; b++) {
            int base = b * 32;
            float amax = 0f;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[base + j]));
            }
            float d = amax / 127.0f;
            float id = d != 0 ? 1.0f / d : 0.0f;
            int o = b * 34;
            putLe16(out, o, Float.floatToFloat16(d));
            for (int j = 0; j < 32; j++) {
                out[o + 2 + j] = (byte) roundHalfAway(x[base + j] * id);
            }
        }
        return out;
    }

    public static byte[] q4_0(float[] x) {
        checkBlocks(x.length);
        int blocks = x.length / 32;
        byte[] out = new byte[blocks * 18];
        for (int b = 0; b < blocks; b++) {
            int base = b * 32;
            float max = largestMagnitude(x, base);
            float d = max / -8.0f;
            float id = d != 0 ? 1.0f / d : 0.0f;
            int o = b * 18;
            putLe16(out, o, Float.floatToFloat16(d));
            for (int j = 0; j < 16; j++) {
                float a = x[base + j] * id + 8.5f;
                float c = x[base + 16 + j] * id + 8.5f;
                int qa = Math.min(15, (int) a);
                int qb = Math.min(15, (int) c);
                out[o + 2 + j] = (byte) (qa | (qb << 4));
            }
        }
        return out;
    }

    /** The block's element with the largest |x|, sign kept; the first one on ties (as llama.cpp's reference). */
    private static float largestMagnitude(float[] x, int base) {
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < 32; j++) {
            float v = x[base + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    /** quantize_row_q5_0_ref: like Q4_0 with 5 bits (d = max/-16), the fifth bits packed in qh. */
    public static byte[] q5_0(float[] x) {
        checkBlocks(x.length);
        int blocks = x.length / 32;
        byte[] out = new byte[blocks * 22];
        for (int b = 0; b < blocks; b++) {
            int base = b * 32;
            float max = largestMagnitude(x, base);
            float d = max / -16.0f;
            float id = d != 0 ? 1.0f / d : 0.0f;
            int o = b * 22;
            putLe16(out, o, Float.floatToFloat16(d));
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int xi0 = Math.min(31, (byte) (int) (x[base + j] * id + 16.5f));
                int xi1 = Math.min(31, (byte) (int) (x[base + 16 + j] * id + 16.5f));
                out[o + 6 + j] = (byte) ((xi0 & 15) | ((xi1 & 15) << 4));
                qh |= ((xi0 & 0x10) >>> 4) << j;
                qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
            }
            putLe32(out, o + 2, qh);
        }
        return out;
    }

    /** quantize_row_q5_1_ref: 5-bit values with scale d = (max-min)/31 and offset m = min. */
    public static byte[] q5_1(float[] x) {
        checkBlocks(x.length);
        int blocks = x.length / 32;
        byte[] out = new byte[blocks * 24];
        for (int b = 0; b < blocks; b++) {
            int base = b * 32;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                min = Math.min(min, x[base + j]);
                max = Math.max(max, x[base + j]);
            }
            float d = (max - min) / 31f;
            float id = d != 0 ? 1.0f / d : 0.0f;
            int o = b * 24;
            putLe16(out, o, Float.floatToFloat16(d));
            putLe16(out, o + 2, Float.floatToFloat16(min));
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int xi0 = ((int) ((x[base + j] - min) * id + 0.5f)) & 0xff;
                int xi1 = ((int) ((x[base + 16 + j] - min) * id + 0.5f)) & 0xff;
                out[o + 8 + j] = (byte) ((xi0 & 15) | ((xi1 & 15) << 4));
                qh |= ((xi0 & 0x10) >>> 4) << j;
                qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
            }
            putLe32(out, o + 4, qh);
        }
        return out;
    }

    /** C's roundf: nearest integer, halves away from zero (the product is widened to double first). */
    static int roundHalfAway(float v) {
        double x = v;
        return (int) (x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5));
    }

    static void checkBlocks(int n) {
        if (n % 32 != 0) {
            throw new IllegalArgumentException(n + " elements is not a multiple of 32");
        }
    }

    /** The little-endian fp16 at b[o] as a float. */
    static float f16(byte[] b, int o) {
        return Float.float16ToFloat((short) ((b[o] & 0xff) | (b[o + 1] << 8)));
    }

    static void putLe16(byte[] b, int o, short v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >> 8);
    }

    static void putLe32(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >> 8);
        b[o + 2] = (byte) (v >> 16);
        b[o + 3] = (byte) (v >> 24);
    }
}
