package io.sirocco.engine.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
            default -> throw new UnsupportedOperationException("dequantize " + w.type());
        }
    }
}
