package io.sirocco.engine.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** Kernels in pure Java with the Vector API: the fallback when the native library is unavailable. */
public final class JavaKernels implements Kernels {
    /** At least 8 float lanes (so the byte species below is a real shape of ≥ 64 bits). */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() >= 8
            ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_256;
    /** Bytes with as many lanes as F (for widening int8 → float). */
    private static final VectorSpecies<Byte> BF = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * 8));
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
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

    /*
     * Quantized blocks: the int8 values are widened to float lanes. Every product and every block sum
     * is an integer below 2^24, so float lanes compute the int8 dot exactly; the per-block scale is
     * then applied with one fma per lane and the lanes are reduced once per row.
     */
    static float dotQ8_0(MemorySegment s, long row, Activations x, int t, int cols) {
        float[] xq = x.quantsAsFloats();
        float[] xd = x.scales();
        int nb = cols / 32;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = row + 34L * b;
            int xo = t * cols + b * 32;
            FloatVector block = FloatVector.zero(F);
            for (int j = 0; j < 32; j += F.length()) {
                FloatVector w = (FloatVector) ByteVector.fromMemorySegment(BF, s, o + 2 + j, LE)
                        .convertShape(VectorOperators.B2F, F, 0);
                block = w.fma(FloatVector.fromArray(F, xq, xo + j), block);
            }
            acc = block.fma(FloatVector.broadcast(F, Fp16.f16(s, o) * xd[t * nb + b]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    static float dotQ4_0(MemorySegment s, long row, Activations x, int t, int cols) {
        float[] xq = x.quantsAsFloats();
        float[] xd = x.scales();
        int nb = cols / 32;
        int parts = 16 / F.length();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = row + 18L * b;
            int xo = t * cols + b * 32;
            ByteVector qs = ByteVector.fromMemorySegment(B16, s, o + 2, LE);
            ByteVector lo = qs.and((byte) 15).sub((byte) 8);              // elements 0..15
            ByteVector hi = qs.lanewise(VectorOperators.LSHR, 4).sub((byte) 8); // elements 16..31
            FloatVector block = FloatVector.zero(F);
            for (int part = 0; part < parts; part++) {
                int j = part * F.length();
                block = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, part))
                        .fma(FloatVector.fromArray(F, xq, xo + j), block);
                block = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, part))
                        .fma(FloatVector.fromArray(F, xq, xo + 16 + j), block);
            }
            acc = block.fma(FloatVector.broadcast(F, Fp16.f16(s, o) * xd[t * nb + b]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
