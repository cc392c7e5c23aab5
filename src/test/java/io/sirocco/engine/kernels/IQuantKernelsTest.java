package io.sirocco.engine.kernels;

import io.sirocco.engine.gguf.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The grid i-quants on random bytes: every bit pattern of these formats is a valid block (only the fp16
 * scales are set to ordinary values), so random blocks reach every index bit, sign field and scale that
 * the project's quantizer might never write. Dequantization against the format's formulas
 * ({@link ScalarReference#iquant}), and every kernel (Java, each native variant this CPU runs) against
 * {@link ScalarReference}.
 */
class IQuantKernelsTest {
    static final List<GgmlType> TYPES = List.of(GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ2_S, GgmlType.IQ3_XXS,
            GgmlType.IQ3_S, GgmlType.IQ1_S, GgmlType.IQ1_M);

    /** rows × cols of random blocks whose fp16 scale is in [0.001, 0.1) with a random sign. */
    static Matrix randomBlocks(GgmlType type, int rows, int cols, Random rnd) {
        byte[] bytes = new byte[(int) type.bytesFor((long) rows * cols)];
        rnd.nextBytes(bytes);
        for (int o = 0; o < bytes.length; o += type.blockBytes) {
            short d = Float.floatToFloat16((float) ((0.001 + 0.099 * rnd.nextDouble()) * (rnd.nextBoolean() ? 1 : -1)));
            if (type == GgmlType.IQ1_M) {
                for (int i = 0; i < 4; i++) { // d's nibbles are the top nibbles of the 4 scale words
                    bytes[o + 49 + 2 * i] = (byte) ((bytes[o + 49 + 2 * i] & 0x0f) | (((d >> (4 * i)) & 15) << 4));
                }
            } else {
                bytes[o] = (byte) d;
                bytes[o + 1] = (byte) (d >> 8);
            }
        }
        MemorySegment seg = KernelsTest.ARENA.allocate(bytes.length + 7).asSlice(rnd.nextInt(8), bytes.length);
        seg.copyFrom(MemorySegment.ofArray(bytes));
        return new Matrix("w", type, seg, cols, rows);
    }

    @Test
    void dequantizationFollowsTheFormatFormulas() {
        Random rnd = new Random(5);
        for (GgmlType type : TYPES) {
            Matrix w = randomBlocks(type, 3, 1024, rnd);
            float[] row = new float[1024];
            for (int r = 0; r < 3; r++) {
                Dequantize.row(w, r, row, 0);
                for (int e = 0; e < 1024; e++) {
                    double expected = ScalarReference.iquant(type, w.data(), r * w.rowBytes() + (long) type.blockBytes * (e / 256), e % 256);
                    assertEquals(expected, row[e], 1e-6 * Math.abs(expected) + 1e-9, type + " row " + r + " element " + e);
                }
            }
        }
    }

    @Test
    void everyKernelMatchesTheReferenceOnRandomBlocks() {
        Random rnd = new Random(9);
        ScalarReference ref = new ScalarReference();
        List<Kernels> impls = KernelsTest.implementations();
        System.out.println("kernels under test: " + impls.stream().map(Kernels::name).toList());
        for (GgmlType type : TYPES) {
            for (int[] shape : new int[][]{{1, 256}, {9, 512}, {17, 2048}}) {
                int rows = shape[0];
                int cols = shape[1];
                Matrix w = randomBlocks(type, rows, cols, rnd);
                for (int count : new int[]{1, 2, 5, 9}) {
                    Activations x = KernelsTest.randomActivations(count, cols, rnd).prepare(type);
                    float[] expected = new float[count * rows];
                    ref.matmul(w, 0, rows, x, expected, rows);
                    for (Kernels k : impls) {
                        float[] y = new float[count * rows];
                        k.matmul(w, 0, rows / 2, x, y, rows);
                        k.matmul(w, rows / 2, rows, x, y, rows);
                        for (int i = 0; i < y.length; i++) {
                            double scale = KernelsTest.l1(w, i % rows, x, i / rows);
                            assertEquals(expected[i], y[i], 1e-5 * scale + 1e-6,
                                    k.name() + " " + type + " " + rows + "x" + cols + " batch " + count + " at " + i);
                        }
                    }
                }
            }
        }
    }
}
