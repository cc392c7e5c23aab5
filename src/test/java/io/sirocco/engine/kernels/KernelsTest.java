package io.sirocco.engine.kernels;

import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.quant.Quantizer;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kernel implementation (Java, and each native variant this CPU runs) against ScalarReference. */
class KernelsTest {
    static final List<GgmlType> TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
            GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_K, GgmlType.Q3_K, GgmlType.Q2_K,
            GgmlType.IQ4_NL, GgmlType.IQ4_XS, GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ2_S, GgmlType.IQ3_XXS,
            GgmlType.IQ3_S, GgmlType.IQ1_S, GgmlType.IQ1_M);
    static final Arena ARENA = Arena.ofAuto();

    static List<Kernels> implementations() {
        List<Kernels> all = new ArrayList<>();
        all.add(new JavaKernels());
        for (String v : NativeKernels.usableVariants()) {
            all.add(NativeKernels.load(v));
        }
        return all;
    }

    static Matrix randomMatrix(GgmlType type, int rows, int cols, Random rnd) {
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian() * (rnd.nextInt(50) == 0 ? 10 : 1);
        }
        byte[] bytes = Quantizer.encode(type, w);
        MemorySegment seg = ARENA.allocate(bytes.length + 7).asSlice(rnd.nextInt(8), bytes.length); // unaligned too
        seg.copyFrom(MemorySegment.ofArray(bytes));
        return new Matrix("w", type, seg, cols, rows);
    }

    static Activations randomActivations(int count, int dim, Random rnd) {
        float[] x = new float[count * dim];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        if (count > 0) {
            x[dim / 2] = 0f;
        }
        return new Activations(x, count, dim);
    }

    @Test
    void everyKernelMatchesTheReferenceForEveryType() {
        Random rnd = new Random(42);
        ScalarReference ref = new ScalarReference();
        List<Kernels> impls = implementations();
        System.out.println("kernels under test: " + impls.stream().map(Kernels::name).toList());
        for (GgmlType type : TYPES) {
            for (int[] shape : new int[][]{{1, 32}, {7, 64}, {33, 256}, {5, 768}, {64, 4096}}) {
                int rows = shape[0];
                int cols = shape[1];
                if (cols % type.blockSize != 0
                        || rows == 64 && io.sirocco.engine.quant.IQuantBlocks.isGridType(type)) {
                    continue; // the i-quant quantizer is slow; IQuantKernelsTest covers them on random blocks
                }
                Matrix w = randomMatrix(type, rows, cols, rnd);
                for (int count : new int[]{1, 3, 5, 8, 11}) {
                    Activations x = randomActivations(count, cols, rnd).prepare(type);
                    float[] expected = new float[count * rows];
                    ref.matmul(w, 0, rows, x, expected, rows);
                    for (Kernels k : impls) {
                        float[] y = new float[count * rows];
                        int split = rows / 2;
                        k.matmul(w, 0, split, x, y, rows);
                        k.matmul(w, split, rows, x, y, rows);
                        for (int i = 0; i < y.length; i++) {
                            int r = i % rows;
                            double scale = l1(w, r, x, i / rows);
                            assertEquals(expected[i], y[i], 1e-5 * scale + 1e-6,
                                    k.name() + " " + type + " " + rows + "x" + cols + " batch " + count + " at " + i);
                        }
                    }
                }
            }
        }
    }

    /**
     * A token's result is the same bits whether it is computed alone or at any place in a batch, and whatever
     * the row split: prefix caching (logits with a cached prefix equal those without) relies on it.
     */
    @Test
    void aTokensResultDoesNotDependOnItsBatch() {
        Random rnd = new Random(11);
        for (GgmlType type : TYPES) {
            int rows = 19;
            int cols = type.blockSize == 32 ? 864 : 1024; // 27 blocks of 32: a partial last group of 8
            Matrix w = randomMatrix(type, rows, cols, rnd);
            int count = 13;
            Activations batch = randomActivations(count, cols, rnd).prepare(type);
            for (Kernels k : implementations()) {
                float[] all = new float[count * rows];
                k.matmul(w, 0, 7, batch, all, rows);
                k.matmul(w, 7, rows, batch, all, rows);
                for (int t = 0; t < count; t++) {
                    float[] one = java.util.Arrays.copyOfRange(batch.values, t * cols, (t + 1) * cols);
                    Activations alone = new Activations(one, 1, cols).prepare(type);
                    float[] y = new float[rows];
                    k.matmul(w, 0, rows, alone, y, rows);
                    for (int r = 0; r < rows; r++) {
                        assertEquals(Float.floatToRawIntBits(y[r]), Float.floatToRawIntBits(all[t * rows + r]),
                                k.name() + " " + type + " token " + t + " row " + r);
                    }
                }
            }
        }
    }

    /** Σ|w·x| bounds the rounding error of any summation order. */
    static double l1(Matrix w, int r, Activations x, int t) {
        float[] row = new float[w.cols()];
        Dequantize.row(w, r, row, 0);
        double s = 0;
        for (int c = 0; c < row.length; c++) {
            s += Math.abs(row[c] * x.values[t * w.cols() + c]);
        }
        return s;
    }

    @Test
    void quantizedActivationsApproximateTheFloatProduct() {
        Random rnd = new Random(7);
        for (GgmlType type : TYPES.subList(3, TYPES.size())) {
            Matrix w = randomMatrix(type, 16, 512, rnd);
            Activations x = randomActivations(1, 512, rnd).prepare(type);
            float[] y = new float[16];
            new JavaKernels().matmul(w, 0, 16, x, y, 16);
            for (int r = 0; r < 16; r++) {
                float[] row = new float[512];
                Dequantize.row(w, r, row, 0);
                double exact = 0;
                for (int c = 0; c < 512; c++) {
                    exact += row[c] * x.values[c];
                }
                assertEquals(exact, y[r], 0.02 * l1(w, r, x, 0), type + " row " + r);
            }
        }
    }

    @Test
    void activationQuantizationRoundsHalfToEven() {
        float[] v = new float[32];
        v[0] = 127f;
        v[1] = 2.5f;
        v[2] = -2.5f;
        v[3] = 3.5f;
        Activations a = new Activations(v, 1, 32).quantize();
        assertEquals(127, a.quants()[0]);
        assertEquals(2, a.quants()[1]);
        assertEquals(-2, a.quants()[2]);
        assertEquals(4, a.quants()[3]);
        assertEquals(1f, a.scales()[0]);
    }

    /** The vectorized Q8_0 activation quantization gives the bits of llama.cpp's scalar quantize_row_q8_0_ref. */
    @Test
    void activationQuantizationMatchesTheScalarRule() {
        Random rnd = new Random(9);
        int dim = 1024;
        float[] v = new float[3 * dim];
        for (int i = 0; i < v.length; i++) {
            int kind = rnd.nextInt(10);
            v[i] = kind == 0 ? 0f : kind == 1 ? rnd.nextInt(9) - 4.5f : kind == 2 ? (float) rnd.nextGaussian() * 1e4f
                    : (float) rnd.nextGaussian();
        }
        java.util.Arrays.fill(v, 64, 96, 0f); // an all-zero block
        Activations a = new Activations(v, 3, dim).quantize();
        for (int b = 0; b < v.length / 32; b++) {
            float amax = 0f;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(v[32 * b + j]));
            }
            float id = amax != 0f ? 127.0f / amax : 0f;
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                byte q = (byte) Math.rint(v[32 * b + j] * id);
                assertEquals(q, a.quants()[32 * b + j], "block " + b + " value " + j);
                sum += q;
            }
            assertEquals(Fp16.roundToHalf(amax / 127.0f), a.scales()[b], "scale of block " + b);
            assertEquals(sum, a.blockIntSums()[b], "sum of block " + b);
            assertEquals(a.scales()[b] * sum, a.blockSums()[b], "d·sum of block " + b);
        }
    }

    @Test
    void nativeBoundsAreCheckedBeforeCallingC() {
        Random rnd = new Random(1);
        Matrix w = randomMatrix(GgmlType.Q8_0, 4, 64, rnd);
        Activations x = randomActivations(2, 64, rnd).quantize();
        assertThrows(IllegalArgumentException.class, () -> NativeKernels.checkBounds(w, 0, 4, x, new float[5], 4));
        assertThrows(IllegalArgumentException.class, () -> NativeKernels.checkBounds(w, 0, 5, x, new float[10], 5));
        NativeKernels.checkBounds(w, 0, 4, x, new float[8], 4);
    }

    @Test
    void workerPoolCoversTheRangeExactlyOnceInChunksOfWholeGrains() {
        for (int threads : new int[]{2, 3}) {
            try (KernelThreads pool = new KernelThreads(threads)) {
                for (int grain : new int[]{1, 16, 48}) {
                    for (int n : new int[]{0, 1, 15, 16, 17, 100, 1000, 14336, 32000}) {
                        int[] hits = new int[n];
                        java.util.List<String> badChunks = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
                        pool.parallelFor(n, grain, (a, b) -> {
                            if (a % grain != 0 || (b % grain != 0 && b != n) || (a >= b && n > 0)) {
                                badChunks.add(a + ".." + b);
                            }
                            for (int i = a; i < b; i++) {
                                hits[i]++;
                            }
                        });
                        assertEquals(java.util.List.of(), badChunks, "chunks not on the grain, n=" + n + " grain=" + grain);
                        for (int h : hits) {
                            assertEquals(1, h, "n=" + n + " grain=" + grain + " threads=" + threads);
                        }
                    }
                }
            }
        }
    }

    @Test
    void workerPoolReportsAFailingChunkAndStaysUsable() {
        try (KernelThreads pool = new KernelThreads(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.parallelFor(1000, 16, (a, b) -> {
                if (a <= 500 && 500 < b) {
                    throw new ArithmeticException("chunk " + a);
                }
            }));
            assertTrue(e.getCause() instanceof ArithmeticException, e.toString());
            int[] hits = new int[100];
            pool.parallelFor(100, 16, (a, b) -> {
                for (int i = a; i < b; i++) {
                    hits[i]++;
                }
            });
            assertEquals(100, java.util.Arrays.stream(hits).sum());
        }
    }

    /** The CPU flags of /proc/cpuinfo (empty where there is none): what the kernel says, not what sr_features says. */
    static java.util.Set<String> cpuFlags() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return java.util.Set.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: no independent view of the CPU
        }
        return java.util.Set.of();
    }

    /** The /proc/cpuinfo flags each native variant needs (build.sh's -m options). */
    static List<String> flagsOf(String variant) {
        return switch (variant) {
            case "generic" -> List.of();
            case "avx2" -> List.of("avx2", "fma", "f16c");
            case "avx512vnni" -> List.of("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni");
            case "avx512vbmi" -> List.of("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                    "avx512vbmi");
            default -> throw new IllegalArgumentException(variant);
        };
    }

    /**
     * Each instruction-set path this CPU can run is packaged, loads and is among {@link #implementations()}
     * (so the kernel tests above run it); a path the CPU lacks is skipped with the flags it would need. The best
     * one is the one the engine picks.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"generic", "avx2", "avx512vnni", "avx512vbmi"})
    void everyInstructionSetPathThisCpuHasIsUnderTest(String variant) {
        org.junit.jupiter.api.Assumptions.assumeTrue(gccOnPath(), "no gcc: native kernels are optional");
        java.util.Set<String> flags = cpuFlags();
        org.junit.jupiter.api.Assumptions.assumeTrue(!flags.isEmpty(), "no /proc/cpuinfo: cannot tell what this CPU runs");
        List<String> missing = flagsOf(variant).stream().filter(f -> !flags.contains(f)).toList();
        org.junit.jupiter.api.Assumptions.assumeTrue(missing.isEmpty(), "this CPU lacks " + missing + ": the " + variant
                + " kernels are not run here" + (variant.equals("avx512vbmi") ? " (src/test/c/zmm-check.sh checks them under SIMDe)" : ""));
        assertTrue(NativeKernels.usableVariants().contains(variant), variant + " not usable: " + NativeKernels.usableVariants());
        assertTrue(implementations().stream().anyMatch(k -> k.name().equals("native-" + variant)));
        List<String> runnable = NativeKernels.VARIANTS.stream()
                .filter(v -> flagsOf(v).stream().allMatch(flags::contains)).toList();
        assertEquals("native-" + runnable.get(runnable.size() - 1), Kernels.best(true).name(), "the engine's pick");
    }

    static boolean gccOnPath() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (new java.io.File(dir, "gcc").canExecute()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void nativeLibraryIsBuiltAndLoadsHere() {
        // where gcc exists the Maven build must have produced and packed the library
        org.junit.jupiter.api.Assumptions.assumeTrue(gccOnPath(), "no gcc: native kernels are optional");
        List<String> v = NativeKernels.usableVariants();
        assertFalse(v.isEmpty(), "no native kernels packaged");
        assertTrue(Kernels.best(true).name().startsWith("native-"));
        assertEquals("java-vector", Kernels.best(false).name().substring(0, 11));
    }
}
