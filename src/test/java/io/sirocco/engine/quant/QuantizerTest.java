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
    static final Map<GgmlType, Double> MAX_RELATIVE_RMS = Map.ofEntries(
            Map.entry(GgmlType.Q8_0, 0.0085), Map.entry(GgmlType.Q4_0, 0.12), Map.entry(GgmlType.Q5_0, 0.065),
            Map.entry(GgmlType.Q5_1, 0.055), Map.entry(GgmlType.Q4_K, 0.1), Map.entry(GgmlType.Q6_K, 0.03),
            Map.entry(GgmlType.Q5_K, 0.05), Map.entry(GgmlType.Q3_K, 0.2), Map.entry(GgmlType.Q2_K, 0.4),
            Map.entry(GgmlType.IQ4_NL, 0.1), Map.entry(GgmlType.IQ4_XS, 0.1),
            // the project's own i-quant quantizer without importance matrix (measured 0.34, 0.30, 0.25,
            // 0.21, 0.14, 0.48, 0.44)
            Map.entry(GgmlType.IQ2_XXS, 0.4), Map.entry(GgmlType.IQ2_XS, 0.35), Map.entry(GgmlType.IQ2_S, 0.3),
            Map.entry(GgmlType.IQ3_XXS, 0.25), Map.entry(GgmlType.IQ3_S, 0.18), Map.entry(GgmlType.IQ1_S, 0.55),
            Map.entry(GgmlType.IQ1_M, 0.5));

    /**
     * sha256 of ggml_quantize_chunk's output (libggml-base, the pinned llama.cpp, no importance matrix:
     * what llama-quantize writes) for {@link #knownAnswerInput()} in rows of 1024; made with
     * src/test/golden-recipes/qref.c.
     */
    static final Map<GgmlType, String> LLAMA_CPP_SHA256 = Map.ofEntries(
            Map.entry(GgmlType.Q8_0, "c9bb11b831f8a473d1a906cd1d9c9955981b7ad59066dfb43368e7a7fcc6e2c7"),
            Map.entry(GgmlType.Q4_0, "07deb7e29600b12609028be105aa2f2eea1c32ffa97a416e167b52cf2f6c99ea"),
            Map.entry(GgmlType.Q5_0, "040587413d746d260a3b1a6a3222f5e374e3fbd32a2a6fb533d9de1fd5738262"),
            Map.entry(GgmlType.Q5_1, "991fc46e3667d590beee21d2f9b0db269b05e24ddffeb3bd77a2a0951f313e3c"),
            Map.entry(GgmlType.Q4_K, "c113f4faa0c08762aa00dac79f6f27f001ac71d6914ce5ffc2f2915ed02f5cea"),
            Map.entry(GgmlType.Q5_K, "2f950b01f77ecb6a1a0295773808fda9610f836c1d9cc4c76c5d9a5ab2fd3165"),
            Map.entry(GgmlType.Q6_K, "878f089e0141a9b1ea287e7fc92e9cab79c3dad049e1537bec7dbd7a9e5a3012"),
            Map.entry(GgmlType.Q3_K, "9ee19d4d35c337598b32f5c1037e4ea79cb10ae04a105feeab1670d10bbae97f"),
            Map.entry(GgmlType.Q2_K, "5bf2831a1594caaa0b9751651541579b73d89b10137eaed2eff23f04a122ebf0"),
            Map.entry(GgmlType.IQ4_NL, "82f883ba9f15a08f498ec2b95a194412412f5d8025a9c4005878f8c489c3a3af"),
            Map.entry(GgmlType.IQ4_XS, "a0bb3899e6397e17bf81829b8547f8b12f40a38a2dd55285e96d874345d91d85"));

    /** 8 rows of 1024: Gaussian, every other row at 0.003 scale, 2 % outliers ×12, one all-zero super-block. */
    static float[] knownAnswerInput() {
        Random r = new Random(11);
        float[] x = new float[8 * 1024];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * (i % 2048 < 1024 ? 1 : 0.003) * (r.nextInt(50) == 0 ? 12 : 1));
        }
        java.util.Arrays.fill(x, 1024, 1280, 0f);
        return x;
    }

    @Test
    void everyQuantizerIsByteExactWithLlamaCpp() throws Exception {
        float[] x = knownAnswerInput();
        for (var e : LLAMA_CPP_SHA256.entrySet()) {
            byte[] q = Quantizer.encode(e.getKey(), x);
            String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(q));
            assertEquals(e.getValue(), sha, e.getKey() + " differs from llama.cpp's quantizer");
        }
    }

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
