package io.sirocco.engine.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.quant.IQuantBlocks;

import java.lang.foreign.MemorySegment;

/**
 * The grid i-quants (IQ2_XXS … IQ1_M) against Q8_K activations in Java: each block is read into its
 * 256 small signed values and 16 integer scales ({@link IQuantBlocks}), the values are widened to float
 * lanes 16 at a time and multiplied by the activations. Every lane's sum over a block is an integer
 * below 2^24 (|value| ≤ 62, scale ≤ 31, |x| ≤ 127, 256/lanes terms), so it is exact; the block's float
 * factor times d_x is applied once per block and the lanes are reduced once per row.
 */
final class IQuantKernels {
    private IQuantKernels() {
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() >= 8
            ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> BF = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * 8));

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final byte[] values = new byte[IQuantBlocks.VALUES];
        final int[] scales = new int[IQuantBlocks.GROUPS];
    }

    static float dot(GgmlType type, MemorySegment s, long row, Activations x, int t, int cols) {
        float[] xq = x.quantsKAsFloats();
        float[] xd = x.scalesK();
        Scratch sc = SCRATCH.get();
        byte[] v = sc.values;
        int[] scale = sc.scales;
        int nb = cols / 256;
        int bb = type.blockBytes;
        FloatVector total = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            float factor = IQuantBlocks.unpack(type, s, row + (long) bb * b, v, scale);
            int xo = t * cols + b * 256;
            FloatVector acc = FloatVector.zero(F);
            for (int g = 0; g < 16; g++) {
                FloatVector group = FloatVector.zero(F);
                for (int j = 0; j < 16; j += F.length()) {
                    FloatVector wf = (FloatVector) ByteVector.fromArray(BF, v, 16 * g + j).convertShape(VectorOperators.B2F, F, 0);
                    group = wf.fma(FloatVector.fromArray(F, xq, xo + 16 * g + j), group);
                }
                acc = group.fma(FloatVector.broadcast(F, scale[g]), acc);
            }
            total = acc.fma(FloatVector.broadcast(F, factor * xd[t * nb + b]), total);
        }
        return Lanes.sumInOrder(total);
    }
}
