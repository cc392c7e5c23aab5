package io.sirocco.engine.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The {@link Kernels} contract as plain loops, with double accumulation: the oracle for kernel tests. */
public final class ScalarReference implements Kernels {
    @Override
    public String name() {
        return "scalar-reference";
    }

    @Override
    public void matmul(Matrix w, int r0, int r1, Activations x, float[] y, int yStride) {
        for (int r = r0; r < r1; r++) {
            for (int t = 0; t < x.count; t++) {
                y[t * yStride + r] = (float) dot(w, r, x, t);
            }
        }
    }

    static double dot(Matrix w, int r, Activations x, int t) {
        MemorySegment s = w.data();
        long row = r * w.rowBytes();
        int n = w.cols();
        double sum = 0;
        switch (w.type()) {
            case F32 -> {
                for (int c = 0; c < n; c++) {
                    sum += (double) s.get(Fp16.FLOAT, row + 4L * c) * x.values[t * n + c];
                }
            }
            case F16 -> {
                for (int c = 0; c < n; c++) {
                    sum += (double) Float.float16ToFloat(s.get(Fp16.SHORT, row + 2L * c)) * x.values[t * n + c];
                }
            }
            case BF16 -> {
                for (int c = 0; c < n; c++) {
                    sum += (double) Float.intBitsToFloat(s.get(Fp16.SHORT, row + 2L * c) << 16) * x.values[t * n + c];
                }
            }
            case Q8_0, Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long blk = row + (long) w.type().blockBytes * b;
                    long isum = 0;
                    for (int j = 0; j < 32; j++) {
                        isum += (long) weightQuant(w, s, blk, j) * x.quants()[t * n + b * 32 + j];
                    }
                    sum += (double) Float.float16ToFloat(s.get(Fp16.SHORT, blk)) * x.scales()[t * n / 32 + b] * isum;
                }
            }
            default -> throw new UnsupportedOperationException(w.type().toString());
        }
        return sum;
    }

    /** The j-th integer value of a weight block. */
    static int weightQuant(Matrix w, MemorySegment s, long blk, int j) {
        return switch (w.type()) {
            case Q8_0 -> s.get(ValueLayout.JAVA_BYTE, blk + 2 + j);
            case Q4_0 -> {
                int q = s.get(ValueLayout.JAVA_BYTE, blk + 2 + (j & 15)) & 0xff;
                yield (j < 16 ? q & 15 : q >> 4) - 8;
            }
            default -> throw new IllegalArgumentException();
        };
    }
}
