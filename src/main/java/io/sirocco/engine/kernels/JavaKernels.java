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
                    case IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M -> IQuantKernels.dot(w.type(), s, row, x, t, cols);
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

    /*
     * Q5_K, Q3_K, Q2_K, IQ4_NL, IQ4_XS: each 16-value group is unpacked with byte-lane operations into
     * its integer values, widened to float lanes and multiplied by the activations; the products times
     * the group's integer scale stay exact in float (below 2^24 per lane over a block), so a block's
     * lanes are scaled once by d·d_x and reduced once per row. The K-quants' mins go through the Q8_K
     * group sums, as in the native kernels.
     */
    private static final ByteVector IQ4_TABLE = ByteVector.fromArray(B16, IQ4Quantizer.VALUES, 0);

    /** acc + scale·(w ⊙ x[xo..xo+16)) in float lanes, w being 16 small integers. */
    private static FloatVector group16(ByteVector w, float[] x, int xo, float scale, FloatVector acc) {
        FloatVector sc = FloatVector.broadcast(F, scale);
        for (int part = 0; part < 16 / F.length(); part++) {
            FloatVector wf = (FloatVector) w.convertShape(VectorOperators.B2F, F, part);
            acc = wf.mul(FloatVector.fromArray(F, x, xo + part * F.length())).fma(sc, acc);
        }
        return acc;
    }

    private static ByteVector bytes16(MemorySegment s, long o) {
        return ByteVector.fromMemorySegment(B16, s, o, LE);
    }

    /** Element group g (16 values, 0..15) of a 2-bit field: bytes 32·(g/8) + 16·(g%2), shift 2·((g%8)/2). */
    private static ByteVector twoBits16(MemorySegment s, long qs, int g) {
        return bytes16(s, qs + 32L * (g / 8) + 16L * (g % 2)).lanewise(VectorOperators.LSHR, 2 * ((g % 8) / 2)).and((byte) 3);
    }

    static float dotQ5_K(MemorySegment s, long row, Activations x, int t, int cols) {
        float[] xq = x.quantsKAsFloats();
        float[] xd = x.scalesK();
        short[] bs = x.blockSumsK();
        int nb = cols / 256;
        byte[] sc = new byte[12];
        FloatVector total = FloatVector.zero(F);
        float mins = 0f;
        for (int b = 0; b < nb; b++) {
            long o = row + 176L * b;
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, o + 4, sc, 0, 12);
            int xo = t * cols + b * 256;
            FloatVector acc = FloatVector.zero(F);
            int msum = 0;
            for (int g = 0; g < 16; g++) {
                int j = g / 2;
                long c = 16L * (g % 2);
                ByteVector nib = bytes16(s, o + 48 + 32L * (j / 2) + c);
                nib = (j & 1) == 0 ? nib.and((byte) 15) : nib.lanewise(VectorOperators.LSHR, 4);
                ByteVector high = bytes16(s, o + 16 + c).lanewise(VectorOperators.LSHR, j).and((byte) 1);
                acc = group16(nib.or(high.lanewise(VectorOperators.LSHL, 4)), xq, xo + 16 * g, KQuantizer.scaleK4(sc, 0, j), acc);
                msum += KQuantizer.minK4(sc, 0, j) * bs[xo / 16 + g];
            }
            float d = xd[t * nb + b];
            total = acc.fma(FloatVector.broadcast(F, d * Fp16.f16(s, o)), total);
            mins += d * Fp16.f16(s, o + 2) * msum;
        }
        return Lanes.sumInOrder(total) - mins;
    }

    static float dotQ3_K(MemorySegment s, long row, Activations x, int t, int cols) {
        float[] xq = x.quantsKAsFloats();
        float[] xd = x.scalesK();
        int nb = cols / 256;
        byte[] sc = new byte[12];
        FloatVector total = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = row + 110L * b;
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, o + 96, sc, 0, 12);
            int xo = t * cols + b * 256;
            FloatVector acc = FloatVector.zero(F);
            for (int g = 0; g < 16; g++) {
                ByteVector high = bytes16(s, o + 16L * (g % 2)).lanewise(VectorOperators.LSHR, g / 2).and((byte) 1);
                ByteVector q = twoBits16(s, o + 32, g).or(high.lanewise(VectorOperators.LSHL, 2)).sub((byte) 4);
                acc = group16(q, xq, xo + 16 * g, KQuantizer.scaleK3(sc, 0, g), acc);
            }
            total = acc.fma(FloatVector.broadcast(F, xd[t * nb + b] * Fp16.f16(s, o + 108)), total);
        }
        return Lanes.sumInOrder(total);
    }

    static float dotQ2_K(MemorySegment s, long row, Activations x, int t, int cols) {
        float[] xq = x.quantsKAsFloats();
        float[] xd = x.scalesK();
        short[] bs = x.blockSumsK();
        int nb = cols / 256;
        FloatVector total = FloatVector.zero(F);
        float mins = 0f;
        for (int b = 0; b < nb; b++) {
            long o = row + 84L * b;
            int xo = t * cols + b * 256;
            FloatVector acc = FloatVector.zero(F);
            int msum = 0;
            for (int g = 0; g < 16; g++) {
                int sc = u8(s, o + g);
                acc = group16(twoBits16(s, o + 16, g), xq, xo + 16 * g, sc & 15, acc);
                msum += (sc >> 4) * bs[xo / 16 + g];
            }
            float d = xd[t * nb + b];
            total = acc.fma(FloatVector.broadcast(F, d * Fp16.f16(s, o + 80)), total);
            mins += d * Fp16.f16(s, o + 82) * msum;
        }
        return Lanes.sumInOrder(total) - mins;
    }

    /** acc + scale·Σ T[index]·x over the 32 values whose indices are the 16 bytes at qs. */
    private static FloatVector iq4Block(MemorySegment s, long qs, float[] x, int xo, float scale, FloatVector acc) {
        ByteVector q = bytes16(s, qs);
        acc = group16(q.and((byte) 15).selectFrom(IQ4_TABLE), x, xo, scale, acc);
        return group16(q.lanewise(VectorOperators.LSHR, 4).selectFrom(IQ4_TABLE), x, xo + 16, scale, acc);
    }

    static float dotIQ4_NL(MemorySegment s, long row, Activations x, int t, int cols) {
        float[] xq = x.quantsAsFloats();
        float[] xd = x.scales();
        int nb = cols / 32;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = row + 18L * b;
            acc = iq4Block(s, o + 2, xq, t * cols + b * 32, Fp16.f16(s, o) * xd[t * nb + b], acc);
        }
        return Lanes.sumInOrder(acc);
    }

    static float dotIQ4_XS(MemorySegment s, long row, Activations x, int t, int cols) {
        float[] xq = x.quantsKAsFloats();
        float[] xd = x.scalesK();
        int nb = cols / 256;
        FloatVector total = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = row + 136L * b;
            int xo = t * cols + b * 256;
            FloatVector acc = FloatVector.zero(F);
            for (int ib = 0; ib < 8; ib++) {
                acc = iq4Block(s, o + 8 + 16 * ib, xq, xo + 32 * ib, Dequantize.iq4xsScale(s, o, ib), acc);
            }
            total = acc.fma(FloatVector.broadcast(F, xd[t * nb + b] * Fp16.f16(s, o)), total);
        }
        return Lanes.sumInOrder(total);
    }
}
