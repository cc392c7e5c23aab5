package io.sirocco.engine.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.quant.IQ4Quantizer;
import io.sirocco.engine.quant.KQuantizer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
                    case Q5_0, Q5_1 -> dotQ5(s, row, x, t, cols, w.type() == GgmlType.Q5_1);
                    case Q4_K -> dotQ4_K(s, row, x, t, cols);
                    case Q6_K -> dotQ6_K(s, row, x, t, cols);
                    case Q5_K -> dotQ5_K(s, row, x, t, cols);
                    case Q3_K -> dotQ3_K(s, row, x, t, cols);
                    case Q2_K -> dotQ2_K(s, row, x, t, cols);
                    case IQ4_NL -> dotIQ4_NL(s, row, x, t, cols);
                    case IQ4_XS -> dotIQ4_XS(s, row, x, t, cols);
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
        float sum = Lanes.sumInOrder(acc);
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
        return Lanes.sumInOrder(acc);
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
        return Lanes.sumInOrder(acc);
    }

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);

    private static int u8(MemorySegment s, long o) {
        return s.get(ValueLayout.JAVA_BYTE, o) & 0xff;
    }

    /* Q5_0/Q5_1 and the K-quants: plain integer loops (the native library has the SIMD versions). */
    static float dotQ5(MemorySegment s, long row, Activations x, int t, int cols, boolean offset) {
        byte[] xq = x.quants();
        float[] xd = x.scales();
        float[] xs = x.blockSums();
        int nb = cols / 32;
        int bb = offset ? 24 : 22;
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            long o = row + (long) bb * b;
            long qo = o + (offset ? 4 : 2);
            int qh = s.get(U32, qo);
            int xo = t * cols + b * 32;
            int isum = 0;
            int bias = offset ? 0 : 16;
            for (int j = 0; j < 16; j++) {
                int q = u8(s, qo + 4 + j);
                isum += (((q & 15) | (((qh >>> j) & 1) << 4)) - bias) * xq[xo + j];
                isum += (((q >> 4) | (((qh >>> (j + 16)) & 1) << 4)) - bias) * xq[xo + j + 16];
            }
            sum += Fp16.f16(s, o) * xd[t * nb + b] * isum;
            if (offset) {
                sum += Fp16.f16(s, o + 2) * xs[t * nb + b];
            }
        }
        return sum;
    }

    static float dotQ4_K(MemorySegment s, long row, Activations x, int t, int cols) {
        byte[] xq = x.quantsK();
        float[] xd = x.scalesK();
        short[] bs = x.blockSumsK();
        int nb = cols / 256;
        byte[] sc = new byte[12];
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            long o = row + 144L * b;
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, o + 4, sc, 0, 12);
            int xo = t * cols + b * 256;
            int bo = (t * cols + b * 256) / 16;
            int isum = 0;
            int msum = 0;
            for (int j = 0; j < 8; j++) {
                long qo = o + 16 + 32L * (j / 2);
                int shift = (j & 1) * 4;
                int sub = 0;
                for (int k = 0; k < 32; k++) {
                    sub += ((u8(s, qo + k) >> shift) & 15) * xq[xo + 32 * j + k];
                }
                isum += KQuantizer.scaleK4(sc, 0, j) * sub;
                msum += KQuantizer.minK4(sc, 0, j) * (bs[bo + 2 * j] + bs[bo + 2 * j + 1]);
            }
            float d = xd[t * nb + b];
            sum += d * Fp16.f16(s, o) * isum - d * Fp16.f16(s, o + 2) * msum;
        }
        return sum;
    }

    static float dotQ6_K(MemorySegment s, long row, Activations x, int t, int cols) {
        byte[] xq = x.quantsK();
        float[] xd = x.scalesK();
        int nb = cols / 256;
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            long o = row + 210L * b;
            int xo = t * cols + b * 256;
            int isum = 0;
            for (int g = 0; g < 16; g++) {
                int sub = 0;
                for (int k = 0; k < 16; k++) {
                    sub += Dequantize.q6(s, o, 16 * g + k) * xq[xo + 16 * g + k];
                }
                isum += s.get(ValueLayout.JAVA_BYTE, o + 192 + g) * sub;
            }
            sum += xd[t * nb + b] * Fp16.f16(s, o + 208) * isum;
        }
        return sum;
    }

    /* Q5_K: Q4_K's scales and mins with a fifth bit per value; the mins through the Q8_K group sums */
    static float dotQ5_K(MemorySegment s, long row, Activations x, int t, int cols) {
        byte[] xq = x.quantsK();
        float[] xd = x.scalesK();
        short[] bs = x.blockSumsK();
        int nb = cols / 256;
        byte[] sc = new byte[12];
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            long o = row + 176L * b;
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, o + 4, sc, 0, 12);
            int xo = t * cols + b * 256;
            int bo = xo / 16;
            int isum = 0;
            int msum = 0;
            for (int j = 0; j < 8; j++) {
                long qo = o + 48 + 32L * (j / 2);
                int shift = (j & 1) * 4;
                int sub = 0;
                for (int k = 0; k < 32; k++) {
                    int q = ((u8(s, qo + k) >> shift) & 15) | (((u8(s, o + 16 + k) >> j) & 1) << 4);
                    sub += q * xq[xo + 32 * j + k];
                }
                isum += KQuantizer.scaleK4(sc, 0, j) * sub;
                msum += KQuantizer.minK4(sc, 0, j) * (bs[bo + 2 * j] + bs[bo + 2 * j + 1]);
            }
            float d = xd[t * nb + b];
            sum += d * Fp16.f16(s, o) * isum - d * Fp16.f16(s, o + 2) * msum;
        }
        return sum;
    }

    /* Q3_K: signed 3-bit values (2 bits, −4 where the hmask bit is clear), sixteen signed 6-bit scales */
    static float dotQ3_K(MemorySegment s, long row, Activations x, int t, int cols) {
        byte[] xq = x.quantsK();
        float[] xd = x.scalesK();
        int nb = cols / 256;
        byte[] sc = new byte[12];
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            long o = row + 110L * b;
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, o + 96, sc, 0, 12);
            int xo = t * cols + b * 256;
            int isum = 0;
            for (int g = 0; g < 16; g++) {
                int sub = 0;
                for (int k = 0; k < 16; k++) {
                    sub += Dequantize.q3(s, o, 16 * g + k) * xq[xo + 16 * g + k];
                }
                isum += KQuantizer.scaleK3(sc, 0, g) * sub;
            }
            sum += xd[t * nb + b] * Fp16.f16(s, o + 108) * isum;
        }
        return sum;
    }

    /* Q2_K: 2-bit values with a 4-bit scale and min per 16; the mins through the Q8_K group sums */
    static float dotQ2_K(MemorySegment s, long row, Activations x, int t, int cols) {
        byte[] xq = x.quantsK();
        float[] xd = x.scalesK();
        short[] bs = x.blockSumsK();
        int nb = cols / 256;
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            long o = row + 84L * b;
            int xo = t * cols + b * 256;
            int isum = 0;
            int msum = 0;
            for (int g = 0; g < 16; g++) {
                int sc = u8(s, o + g);
                int sub = 0;
                for (int k = 0; k < 16; k++) {
                    sub += Dequantize.twoBits(s, o + 16, 16 * g + k) * xq[xo + 16 * g + k];
                }
                isum += (sc & 15) * sub;
                msum += (sc >> 4) * bs[xo / 16 + g];
            }
            float d = xd[t * nb + b];
            sum += d * Fp16.f16(s, o + 80) * isum - d * Fp16.f16(s, o + 82) * msum;
        }
        return sum;
    }

    /* IQ4_NL: Q4_0's layout with the indices looked up in the value table; Q8_0 activations */
    static float dotIQ4_NL(MemorySegment s, long row, Activations x, int t, int cols) {
        byte[] xq = x.quants();
        float[] xd = x.scales();
        int nb = cols / 32;
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            long o = row + 18L * b;
            int xo = t * cols + b * 32;
            sum += Fp16.f16(s, o) * xd[t * nb + b] * dotIQ4(s, o + 2, xq, xo);
        }
        return sum;
    }

    /** Σ VALUES[index_j]·xq[xo + j] over the 32 values whose indices are the 16 bytes at qs. */
    private static int dotIQ4(MemorySegment s, long qs, byte[] xq, int xo) {
        byte[] v = IQ4Quantizer.VALUES;
        int isum = 0;
        for (int j = 0; j < 16; j++) {
            int q = u8(s, qs + j);
            isum += v[q & 15] * xq[xo + j] + v[q >> 4] * xq[xo + j + 16];
        }
        return isum;
    }

    /* IQ4_XS: eight sub-blocks of IQ4_NL indices with 6-bit scales; Q8_K activations */
    static float dotIQ4_XS(MemorySegment s, long row, Activations x, int t, int cols) {
        byte[] xq = x.quantsK();
        float[] xd = x.scalesK();
        int nb = cols / 256;
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            long o = row + 136L * b;
            int xo = t * cols + b * 256;
            int isum = 0;
            for (int ib = 0; ib < 8; ib++) {
                isum += Dequantize.iq4xsScale(s, o, ib) * dotIQ4(s, o + 8 + 16 * ib, xq, xo + 32 * ib);
            }
            sum += xd[t * nb + b] * Fp16.f16(s, o) * isum;
        }
        return sum;
    }
}
