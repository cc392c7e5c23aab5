package io.sirocco.engine.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** Kernels in pure Java with the Vector API: the fallback when the native library is unavailable. */
public final class JavaKernels implements Kernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    @Override
    public String name() {
        return "java-vector(" + F.vectorBitSize() + "-bit)";
    }

    @Override
    public void matmul(Matrix w, int r0, int r1, Activations x, float[] y, int yStride) {
        MemorySegment s = w.data();
        long rowBytes = w.rowBytes();
        int cols = w.cols();
        for (int r = r0; r < r1; r++) {
            long row = r * rowBytes;
            for (int t = 0; t < x.count; t++) {
                y[t * yStride + r] = switch (w.type()) {
                    case F32 -> dotF32(s, row, x.values, t * cols, cols);
                    case F16 -> dotF16(s, row, x.values, t * cols, cols);
                    case BF16 -> dotBf16(s, row, x.values, t * cols, cols);
                    case Q8_0 -> dotQ8_0(s, row, x, t, cols);
                    case Q4_0 -> dotQ4_0(s, row, x, t, cols);
                    default -> throw new UnsupportedOperationException("matmul " + w.type());
                };
            }
        }
    }

    static float dotF32(MemorySegment s, long off, float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            acc = FloatVector.fromMemorySegment(F, s, off + 4L * i, LE).fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += s.get(Fp16.FLOAT, off + 4L * i) * x[xo + i];
        }
        return sum;
    }

    // F16/BF16 conversions have no Vector API lane operation: scalar (Float.float16ToFloat is intrinsic)
    static float dotF16(MemorySegment s, long off, float[] x, int xo, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += Fp16.f16(s, off + 2L * i) * x[xo + i];
        }
        return sum;
    }

    static float dotBf16(MemorySegment s, long off, float[] x, int xo, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += Fp16.bf16(s, off + 2L * i) * x[xo + i];
        }
        return sum;
    }

    static float dotQ8_0(MemorySegment s, long row, Activations x, int t, int cols) {
        byte[] xq = x.quants();
        float[] xd = x.scales();
        int nb = cols / 32;
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            long o = row + 34L * b;
            int xo = t * cols + b * 32;
            IntVector acc = IntVector.zero(I8);
            for (int j = 0; j < 32; j += 8) {
                IntVector wv = (IntVector) ByteVector.fromMemorySegment(B8, s, o + 2 + j, LE)
                        .convertShape(VectorOperators.B2I, I8, 0);
                IntVector xv = (IntVector) ByteVector.fromArray(B8, xq, xo + j).convertShape(VectorOperators.B2I, I8, 0);
                acc = acc.add(wv.mul(xv));
            }
            sum += Fp16.f16(s, o) * xd[t * nb + b] * acc.reduceLanes(VectorOperators.ADD);
        }
        return sum;
    }

    static float dotQ4_0(MemorySegment s, long row, Activations x, int t, int cols) {
        byte[] xq = x.quants();
        float[] xd = x.scales();
        int nb = cols / 32;
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            long o = row + 18L * b;
            int xo = t * cols + b * 32;
            ByteVector qs = ByteVector.fromMemorySegment(B16, s, o + 2, LE);
            ByteVector lo = qs.and((byte) 15).sub((byte) 8);
            ByteVector hi = qs.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
            ByteVector xlo = ByteVector.fromArray(B16, xq, xo);
            ByteVector xhi = ByteVector.fromArray(B16, xq, xo + 16);
            IntVector acc = IntVector.zero(I8);
            for (int part = 0; part < 2; part++) {
                acc = acc.add(((IntVector) lo.convertShape(VectorOperators.B2I, I8, part))
                        .mul((IntVector) xlo.convertShape(VectorOperators.B2I, I8, part)));
                acc = acc.add(((IntVector) hi.convertShape(VectorOperators.B2I, I8, part))
                        .mul((IntVector) xhi.convertShape(VectorOperators.B2I, I8, part)));
            }
            sum += Fp16.f16(s, o) * xd[t * nb + b] * acc.reduceLanes(VectorOperators.ADD);
        }
        return sum;
    }
}
