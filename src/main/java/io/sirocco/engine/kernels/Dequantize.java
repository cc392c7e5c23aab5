package io.sirocco.engine.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.sirocco.engine.quant.IQuantBlocks;
import io.sirocco.engine.quant.KQuantizer;

/** One matrix row back to floats (embedding lookup; not a hot path). */
public final class Dequantize {
    private Dequantize() {
    }

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Element e (0..255) of the Q6_K block at {@code o}, as its signed value q − 32. */
    static int q6(MemorySegment s, long o, int e) {
        int half = e / 128;
        int l = e % 128;
        int quarter = l / 32;
        int k = l % 32;
        int ql = s.get(ValueLayout.JAVA_BYTE, o + 64L * half + k + (quarter & 1) * 32) & 0xff;
        int qh = s.get(ValueLayout.JAVA_BYTE, o + 128 + 32L * half + k) & 0xff;
        int low = quarter < 2 ? ql & 15 : ql >> 4;
        return (low | (((qh >> (2 * quarter)) & 3) << 4)) - 32;
    }

    static int u8(MemorySegment s, long o) {
        return s.get(ValueLayout.JAVA_BYTE, o) & 0xff;
    }

    /** Element e of 256 from 2-bit values at qs: byte e%32 of quarter e/128, bits 2·((e%128)/32). */
    static int twoBits(MemorySegment s, long qs, int e) {
        return (u8(s, qs + 32 * (e / 128) + e % 32) >> (2 * ((e % 128) / 32))) & 3;
    }

    /** Element e of a Q3_K block as its signed value (2 low bits, minus 4 when the hmask bit is clear). */
    static int q3(MemorySegment s, long o, int e) {
        int high = (u8(s, o + e % 32) >> (e / 32)) & 1;
        return twoBits(s, o + 32, e) - (high == 0 ? 4 : 0);
    }

    /** Element e of a Q5_K block, 0..31: nibble of 64-value pair e/64 plus 16·(bit e/32 of qh[e%32]). */
    static int q5(MemorySegment s, long o, int e) {
        int nib = u8(s, o + 48 + 32 * (e / 64) + e % 32);
        int low = (e / 32) % 2 == 0 ? nib & 15 : nib >> 4;
        return low | (((u8(s, o + 16 + e % 32) >> (e / 32)) & 1) << 4);
    }

    /** Element j (0..31) of 16 index bytes at qs, through the IQ4 value table. */
    static int iq4(MemorySegment s, long qs, int j) {
        int q = u8(s, qs + (j & 15));
        return io.sirocco.engine.quant.IQ4Quantizer.VALUES[j < 16 ? q & 15 : q >> 4];
    }

    /** The signed scale (ls − 32) of sub-block ib of the IQ4_XS block at o. */
    static int iq4xsScale(MemorySegment s, long o, int ib) {
        int low = (u8(s, o + 4 + ib / 2) >> (4 * (ib % 2))) & 15;
        int high = (s.get(Fp16.SHORT, o + 2) >> (2 * ib)) & 3;
        return (low | (high << 4)) - 32;
    }

    public static void row(Matrix w, int row, float[] out, int off) {
        MemorySegment s = w.data();
        long base = row * w.rowBytes();
        int n = w.cols();
        switch (w.type()) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    out[off + i] = s.get(Fp16.FLOAT, base + 4L * i);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[off + i] = Fp16.f16(s, base + 2L * i);
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[off + i] = Fp16.bf16(s, base + 2L * i);
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long o = base + 34L * b;
                    float d = Fp16.f16(s, o);
                    for (int j = 0; j < 32; j++) {
                        out[off + b * 32 + j] = d * s.get(ValueLayout.JAVA_BYTE, o + 2 + j);
                    }
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long o = base + 18L * b;
                    float d = Fp16.f16(s, o);
                    for (int j = 0; j < 16; j++) {
                        int q = s.get(ValueLayout.JAVA_BYTE, o + 2 + j) & 0xff;
                        out[off + b * 32 + j] = d * ((q & 15) - 8);
                        out[off + b * 32 + j + 16] = d * ((q >> 4) - 8);
                    }
                }
            }
            case Q5_0, Q5_1 -> {
                boolean offset = w.type() == io.sirocco.engine.gguf.GgmlType.Q5_1;
                int bb = w.type().blockBytes;
                for (int b = 0; b < n / 32; b++) {
                    long o = base + (long) bb * b;
                    float d = Fp16.f16(s, o);
                    float m = offset ? Fp16.f16(s, o + 2) : -16 * d;
                    long qo = o + (offset ? 4 : 2);
                    int qh = s.get(U32, qo);
                    for (int j = 0; j < 16; j++) {
                        int q = s.get(ValueLayout.JAVA_BYTE, qo + 4 + j) & 0xff;
                        int lo = (q & 15) | (((qh >>> j) & 1) << 4);
                        int hi = (q >> 4) | (((qh >>> (j + 16)) & 1) << 4);
                        out[off + b * 32 + j] = d * lo + m;
                        out[off + b * 32 + j + 16] = d * hi + m;
                    }
                }
            }
            case Q4_K -> {
                byte[] sc = new byte[12];
                for (int b = 0; b < n / 256; b++) {
                    long o = base + 144L * b;
                    float d = Fp16.f16(s, o);
                    float dmin = Fp16.f16(s, o + 2);
                    MemorySegment.copy(s, ValueLayout.JAVA_BYTE, o + 4, sc, 0, 12);
                    for (int j = 0; j < 8; j++) {
                        float dj = d * io.sirocco.engine.quant.KQuantizer.scaleK4(sc, 0, j);
                        float mj = dmin * io.sirocco.engine.quant.KQuantizer.minK4(sc, 0, j);
                        long qo = o + 16 + 32L * (j / 2);
                        for (int k = 0; k < 32; k++) {
                            int q = s.get(ValueLayout.JAVA_BYTE, qo + k) & 0xff;
                            out[off + b * 256 + 32 * j + k] = dj * ((j & 1) == 0 ? q & 15 : q >> 4) - mj;
                        }
                    }
                }
            }
            case Q6_K -> {
                for (int b = 0; b < n / 256; b++) {
                    long o = base + 210L * b;
                    float d = Fp16.f16(s, o + 208);
                    for (int e = 0; e < 256; e++) {
                        out[off + b * 256 + e] = d * s.get(ValueLayout.JAVA_BYTE, o + 192 + e / 16) * q6(s, o, e);
                    }
                }
            }
            case Q5_K -> {
                byte[] sc = new byte[12];
                for (int b = 0; b < n / 256; b++) {
                    long o = base + 176L * b;
                    float d = Fp16.f16(s, o);
                    float dmin = Fp16.f16(s, o + 2);
                    MemorySegment.copy(s, ValueLayout.JAVA_BYTE, o + 4, sc, 0, 12);
                    for (int e = 0; e < 256; e++) {
                        int j = e / 32;
                        out[off + b * 256 + e] = d * KQuantizer.scaleK4(sc, 0, j) * q5(s, o, e) - dmin * KQuantizer.minK4(sc, 0, j);
                    }
                }
            }
            case Q3_K -> {
                byte[] sc = new byte[12];
                for (int b = 0; b < n / 256; b++) {
                    long o = base + 110L * b;
                    float d = Fp16.f16(s, o + 108);
                    MemorySegment.copy(s, ValueLayout.JAVA_BYTE, o + 96, sc, 0, 12);
                    for (int e = 0; e < 256; e++) {
                        out[off + b * 256 + e] = d * KQuantizer.scaleK3(sc, 0, e / 16) * q3(s, o, e);
                    }
                }
            }
            case Q2_K -> {
                for (int b = 0; b < n / 256; b++) {
                    long o = base + 84L * b;
                    float d = Fp16.f16(s, o + 80);
                    float dmin = Fp16.f16(s, o + 82);
                    for (int e = 0; e < 256; e++) {
                        int sc = u8(s, o + e / 16);
                        out[off + b * 256 + e] = d * (sc & 15) * twoBits(s, o + 16, e) - dmin * (sc >> 4);
                    }
                }
            }
            case IQ4_NL -> {
                for (int b = 0; b < n / 32; b++) {
                    long o = base + 18L * b;
                    float d = Fp16.f16(s, o);
                    for (int j = 0; j < 32; j++) {
                        out[off + b * 32 + j] = d * iq4(s, o + 2, j);
                    }
                }
            }
            case IQ4_XS -> {
                for (int b = 0; b < n / 256; b++) {
                    long o = base + 136L * b;
                    float d = Fp16.f16(s, o);
                    for (int e = 0; e < 256; e++) {
                        out[off + b * 256 + e] = d * iq4xsScale(s, o, e / 32) * iq4(s, o + 8 + 16 * (e / 32), e % 32);
                    }
                }
            }
            case IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M -> {
                byte[] v = new byte[256];
                int[] scale = new int[16];
                for (int b = 0; b < n / 256; b++) {
                    float f = IQuantBlocks.unpack(w.type(), s, base + (long) w.type().blockBytes * b, v, scale);
                    for (int e = 0; e < 256; e++) {
                        out[off + b * 256 + e] = f * scale[e / 16] * v[e];
                    }
                }
            }
            default -> throw new UnsupportedOperationException("dequantize " + w.type());
        }
    }
}
