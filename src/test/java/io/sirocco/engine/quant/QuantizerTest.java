package io.sirocco.engine.quant;

import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.kernels.Dequantize;
import io.sirocco.engine.kernels.Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reference quantizers: block sizes, reconstruction error per type, exact cases. */
class QuantizerTest {
    /** Upper bounds of rms(error)/rms(x) on Gaussian data (the types' usual precision, with margin). */
    static final Map<GgmlType, Double> MAX_RELATIVE_RMS = Map.of(
            GgmlType.Q8_0, 0.0085, GgmlType.Q4_0, 0.12, GgmlType.Q5_0, 0.065, GgmlType.Q5_1, 0.055,
            GgmlType.Q4_K, 0.1, GgmlType.Q6_K, 0.03);

    static float[] decode(GgmlType type, byte[] bytes, int n) {
        float[] out = new float[n];
        Dequantize.row(new Matrix("t", type, MemorySegment.ofArray(bytes), n, 1), 0, out, 0);
        return out;
    }

    @Test
    void everyTypeReconstructsGaussianDataWithinItsPrecision() {
        Random rnd = new Random(3);
        int n = 4096;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextGaussian() * (i % 512 < 256 ? 1 : 0.01)); // two magnitudes
        }
        MAX_RELATIVE_RMS.forEach((type, bound) -> {
            byte[] q = Quantizer.encode(type, x);
            assertEquals(type.bytesFor(n), q.length, type.toString());
            float[] y = decode(type, q, n);
            // per 256-value region, so the small-magnitude regions count as much as the large ones
            double worst = 0;
            for (int r = 0; r < n; r += 256) {
                double err = 0;
                double sig = 0;
                for (int i = r; i < r + 256; i++) {
                    err += (x[i] - y[i]) * (double) (x[i] - y[i]);
                    sig += x[i] * (double) x[i];
                }
                worst = Math.max(worst, Math.sqrt(err / sig));
            }
            System.out.printf("%s: worst relative rms error %.4f%n", type, worst);
            assertTrue(worst < bound, type + " relative rms error " + worst);
        });
    }

    @Test
    void zerosAndConstantsAreExact() {
        for (GgmlType type : MAX_RELATIVE_RMS.keySet()) {
            float[] zeros = new float[512];
            assertArrayEquals(zeros, decode(type, Quantizer.encode(type, zeros), 512), 0f, type.toString());
        }
        float[] ones = new float[512];
        java.util.Arrays.fill(ones, 1f);
        for (GgmlType type : new GgmlType[]{GgmlType.Q8_0, GgmlType.Q5_1, GgmlType.Q6_K}) {
            float[] y = decode(type, Quantizer.encode(type, ones), 512);
            for (float v : y) {
                assertEquals(1f, v, 1e-2, type.toString());
            }
        }
    }

    @Test
    void q5_0KeepsTheFifthBitOfEveryElement() {
        // -16..15 times a unit step: every 5-bit value, both halves of the block
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) {
            x[i] = i - 16;
        }
        x[0] = -16;
        float[] y = decode(GgmlType.Q5_0, Quantizer.encode(GgmlType.Q5_0, x), 32);
        assertArrayEquals(x, y, 1e-6f);
    }

    @Test
    void kQuantsNeedWholeSuperBlocks() {
        assertThrowsIae(() -> Quantizer.encode(GgmlType.Q4_K, new float[128]));
        assertThrowsIae(() -> Quantizer.encode(GgmlType.Q6_K, new float[300]));
        assertThrowsIae(() -> Quantizer.encode(GgmlType.Q5_0, new float[40]));
    }

    static void assertThrowsIae(Runnable r) {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, r::run);
    }
}
