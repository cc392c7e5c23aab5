package io.sirocco.engine.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** One matrix row back to floats (embedding lookup; not a hot path). */
public final class Dequantize {
    private Dequantize() {
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
            default -> throw new UnsupportedOperationException("dequantize " + w.type());
        }
    }
}
