package io.sirocco.engine.quant;

import io.sirocco.engine.gguf.GgmlType;

/**
 * llama.cpp's reference row quantizers, bit-exact (golden README §7). Input is a tensor in element
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
            float amax = 0f;
            float max = 0f;
            for (int j = 0; j < 32; j++) {
                float v = x[base + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
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

    /** C's roundf: nearest integer, halves away from zero (the product is widened to double first). */
    static int roundHalfAway(float v) {
        double x = v;
        return (int) (x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5));
    }

    private static void checkBlocks(int n) {
        if (n % 32 != 0) {
            throw new IllegalArgumentException(n + " elements is not a multiple of 32");
        }
    }

    private static void putLe16(byte[] b, int o, short v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >> 8);
    }

    private static void putLe32(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >> 8);
        b[o + 2] = (byte) (v >> 16);
        b[o + 3] = (byte) (v >> 24);
    }
}
