package io.sirocco.engine.model;

import io.sirocco.engine.EngineException;
import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.golden.GoldenPack;
import io.sirocco.engine.kernels.Kernels;
import io.sirocco.engine.kernels.MatMul;
import io.sirocco.engine.kernels.KernelThreads;
import io.sirocco.engine.synthetic.ModelSpec;
import io.sirocco.engine.synthetic.SyntheticModel;
import io.sirocco.engine.synthetic.SyntheticModelWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Model loading beyond the pack: other layouts, types and attention settings. */
class ModelVariantsTest {
    /** A small MoE that is quick to write. */
    static final ModelSpec SMALL = new ModelSpec("small-moe", 64, 2, 4, 2, 96, 4, 2, 5L, false);
    static final KernelThreads POOL = new KernelThreads(2);
    static final MatMul MM = new MatMul(Kernels.best(true), POOL);
    static final int[] PROMPT = {1, 415, 2936, 9060, 285, 1142, 461, 10575, 754, 272, 17898, 3914, 28723, 300, 301, 302, 303, 304, 305, 306};

    @TempDir
    Path dir;

    @AfterAll
    static void close() {
        POOL.close();
    }

    static float[] logits(Path file, int[] prompt) {
        try (Model m = Model.load(file)) {
            return new SingleSequence(m, MM, 64).prefill(prompt);
        }
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /** Splits merged 3-D expert tensors into per-expert 2-D tensors named blk.N.ffn_gate.E.weight. */
    static List<SyntheticModel.Weights> perExpert(List<SyntheticModel.Weights> in) {
        List<SyntheticModel.Weights> out = new ArrayList<>();
        for (SyntheticModel.Weights w : in) {
            if (!w.name().endsWith("_exps.weight")) {
                out.add(w);
                continue;
            }
            int per = (int) (w.ne()[0] * w.ne()[1]);
            for (int e = 0; e < w.ne()[2]; e++) {
                String name = w.name().replace("_exps.weight", "." + e + ".weight");
                out.add(new SyntheticModel.Weights(name, w.kind(), new long[]{w.ne()[0], w.ne()[1]},
                        Arrays.copyOfRange(w.data(), e * per, (e + 1) * per)));
            }
        }
        return out;
    }

    @Test
    void perExpertLayoutGivesTheSameLogitsAsMerged() {
        List<SyntheticModel.Weights> w = SyntheticModel.generate(SMALL);
        for (GgmlType type : List.of(GgmlType.F32, GgmlType.Q4_0)) {
            Path merged = dir.resolve("merged-" + type + ".gguf");
            Path split = dir.resolve("split-" + type + ".gguf");
            SyntheticModelWriter.write(SMALL, w, type, merged);
            SyntheticModelWriter.write(SMALL, perExpert(w), type, split);
            assertArrayEquals(logits(merged, PROMPT), logits(split, PROMPT), type.toString());
        }
    }

    @Test
    void f16AndBf16WeightsTrackTheF32Golden() {
        float[] golden = GoldenPack.logits("dense-a-F32-P1.f32");
        int[] p1 = Arrays.copyOf(PROMPT, 13);
        List<SyntheticModel.Weights> w = SyntheticModel.generate(ModelSpec.DENSE_A);
        for (GgmlType type : List.of(GgmlType.F16, GgmlType.BF16)) {
            Path file = dir.resolve("dense-" + type + ".gguf");
            SyntheticModelWriter.write(ModelSpec.DENSE_A, w, type, file);
            double d = maxDiff(logits(file, p1), golden);
            assertTrue(d < (type == GgmlType.F16 ? 0.05 : 0.5), type + " max diff " + d);
        }
    }

    @Test
    void slidingWindowLimitsAttention() {
        List<SyntheticModel.Weights> w = SyntheticModel.generate(SMALL);
        Path full = dir.resolve("full.gguf");
        Path windowed = dir.resolve("window.gguf");
        SyntheticModelWriter.write(SMALL, w, GgmlType.F32, full);
        SyntheticModelWriter.write(SMALL, w, GgmlType.F32, windowed, Map.of("llama.attention.sliding_window", 8));
        int[] shortPrompt = Arrays.copyOf(PROMPT, 8);
        assertArrayEquals(logits(full, shortPrompt), logits(windowed, shortPrompt));
        assertFalse(Arrays.equals(logits(full, PROMPT), logits(windowed, PROMPT)));
        try (Model m = Model.load(windowed)) {
            assertEquals(8, m.config.slidingWindow());
        }
    }

    @Test
    void batchedPrefillEqualsTokenByTokenDecode() {
        Path file = dir.resolve("f32.gguf");
        SyntheticModelWriter.write(SMALL, SyntheticModel.generate(SMALL), GgmlType.F32, file);
        try (Model m = Model.load(file)) {
            float[] batched = new SingleSequence(m, MM, 64).prefill(PROMPT);
            SingleSequence one = new SingleSequence(m, MM, 64);
            float[] last = null;
            for (int t : PROMPT) {
                last = one.decode(t);
            }
            assertTrue(maxDiff(batched, last) < 1e-4, "diff " + maxDiff(batched, last));
        }
    }

    @Test
    void tensorTypesTheKernelsCannotComputeAreRefusedByName() throws Exception {
        Path file = dir.resolve("i8.gguf");
        SyntheticModelWriter.write(SMALL, SyntheticModel.generate(SMALL), GgmlType.F32, file);
        byte[] b = java.nio.file.Files.readAllBytes(file);
        byte[] name = "blk.0.attn_q.weight".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int at = indexOfTensorInfo(b, name) + name.length + 4 + 2 * 8; // n_dims, ne[0], ne[1] → type
        b[at] = (byte) GgmlType.I8.code;  // 1 byte per element: still inside the file
        java.nio.file.Files.write(file, b);
        EngineException e = assertThrows(EngineException.class, () -> Model.load(file));
        assertTrue(e.getMessage().contains("blk.0.attn_q.weight has type I8"), e.getMessage());
    }

    /** The offset of a tensor name in the tensor-info section (the last occurrence of the string). */
    static int indexOfTensorInfo(byte[] hay, byte[] needle) {
        for (int i = hay.length - needle.length; i >= 0; i--) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new IllegalStateException("not found");
    }

    @Test
    void missingOrMisshapenTensorsAreNamed() {
        List<SyntheticModel.Weights> w = new ArrayList<>(SyntheticModel.generate(SMALL));
        w.removeIf(t -> t.name().equals("blk.1.attn_k.weight"));
        Path missing = dir.resolve("missing.gguf");
        SyntheticModelWriter.write(SMALL, w, GgmlType.F32, missing);
        EngineException e = assertThrows(EngineException.class, () -> Model.load(missing));
        assertTrue(e.getMessage().contains("missing tensor blk.1.attn_k.weight"), e.getMessage());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    /** A MoE whose rows are multiples of 256, so K-quants apply to every matrix. */
    static final ModelSpec KQ = new ModelSpec("kq-moe", 256, 2, 4, 2, 512, 4, 2, 11L, false);

    /** llama-quantize's Q4_K_M mix for this shape, plus Q5_0/Q5_1 for two layer-1 attention matrices. */
    static GgmlType mixed(SyntheticModel.Weights t) {
        return switch (t.name()) {
            case "blk.1.attn_q.weight" -> GgmlType.Q5_1;
            case "blk.1.attn_k.weight" -> GgmlType.Q5_0;
            default -> io.sirocco.engine.synthetic.MixedTypes.Mix.Q4_K_M.typeOf(KQ).apply(t);
        };
    }

    /** The weights each tensor of the mixed file holds, decoded back to floats. */
    static List<SyntheticModel.Weights> dequantized(List<SyntheticModel.Weights> in) {
        return dequantized(in, ModelVariantsTest::mixed);
    }

    static List<SyntheticModel.Weights> dequantized(List<SyntheticModel.Weights> in,
                                                    java.util.function.Function<SyntheticModel.Weights, GgmlType> typeOf) {
        List<SyntheticModel.Weights> out = new ArrayList<>();
        for (SyntheticModel.Weights t : in) {
            if (t.ne().length == 1 || t.name().contains("ffn_gate_inp")) {
                out.add(t);
                continue;
            }
            GgmlType type = typeOf.apply(t);
            byte[] bytes = io.sirocco.engine.quant.Quantizer.encode(type, t.data());
            int cols = (int) t.ne()[0];
            int rows = t.data().length / cols;
            io.sirocco.engine.kernels.Matrix m = new io.sirocco.engine.kernels.Matrix(t.name(), type,
                    java.lang.foreign.MemorySegment.ofArray(bytes), cols, rows);
            float[] f = new float[t.data().length];
            for (int r = 0; r < rows; r++) {
                io.sirocco.engine.kernels.Dequantize.row(m, r, f, r * cols);
            }
            out.add(new SyntheticModel.Weights(t.name(), t.kind(), t.ne(), f));
        }
        return out;
    }

    @Test
    void mixedKQuantModelMatchesItsDequantizedF32Copy() {
        List<SyntheticModel.Weights> w = SyntheticModel.generate(KQ);
        Path mixed = dir.resolve("kq-mixed.gguf");
        Path f32 = dir.resolve("kq-dequantized-f32.gguf");
        SyntheticModelWriter.writeMixed(KQ, w, ModelVariantsTest::mixed, io.sirocco.engine.synthetic.MixedTypes.Mix.Q4_K_M.fileType, mixed);
        SyntheticModelWriter.write(KQ, dequantized(w), GgmlType.F32, f32);
        try (Model m = Model.load(mixed)) {
            java.util.Set<GgmlType> types = new java.util.HashSet<>();
            m.file.tensors().values().forEach(t -> types.add(t.type()));
            assertTrue(types.containsAll(List.of(GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.F32)),
                    types.toString());
        }
        float[] reference = logits(f32, PROMPT);
        double refMax = 0;
        for (float v : reference) {
            refMax = Math.max(refMax, Math.abs(v));
        }
        for (Kernels k : List.of(Kernels.best(true), new io.sirocco.engine.kernels.JavaKernels())) {
            float[] got;
            try (Model m = Model.load(mixed)) {
                got = new SingleSequence(m, new MatMul(k, POOL), 64).prefill(PROMPT);
            }
            double d = maxDiff(got, reference);
            // only the activations' 8-bit quantization separates the two
            System.out.println("mixed K-quant model vs dequantized F32, " + k.name() + ": max diff " + d + " of " + refMax);
            assertTrue(d < 0.02 * refMax, k.name() + " max diff " + d + " (max |logit| " + refMax + ")");
            assertEquals(io.sirocco.engine.runtime.Sampler.argmax(reference, 0, reference.length),
                    io.sirocco.engine.runtime.Sampler.argmax(got, 0, got.length), k.name() + " top-1");
        }
    }

    /**
     * The worker pool's chunks start on whole grains and each row's result does not depend on its chunk, so a
     * prefill (rows split across threads) and the decode steps after it give the same bits at any thread count.
     */
    @Test
    void logitsAreTheSameBitsAtAnyThreadCount() {
        Path mixed = dir.resolve("kq-mixed-threads.gguf");
        SyntheticModelWriter.writeMixed(KQ, SyntheticModel.generate(KQ), ModelVariantsTest::mixed,
                io.sirocco.engine.synthetic.MixedTypes.Mix.Q4_K_M.fileType, mixed);
        for (Kernels k : List.of(Kernels.best(true), new io.sirocco.engine.kernels.JavaKernels())) {
            List<float[]> reference = null;
            for (int threads : new int[]{1, 2, 3}) {
                List<float[]> got = new java.util.ArrayList<>();
                try (Model m = Model.load(mixed); KernelThreads pool = new KernelThreads(threads)) {
                    SingleSequence s = new SingleSequence(m, new MatMul(k, pool), 64);
                    float[] l = s.prefill(PROMPT);
                    got.add(l);
                    for (int t = 0; t < 8; t++) {
                        l = s.decode(io.sirocco.engine.runtime.Sampler.argmax(l, 0, l.length));
                        got.add(l);
                    }
                }
                if (reference == null) {
                    reference = got;
                }
                for (int i = 0; i < got.size(); i++) {
                    assertTrue(java.util.Arrays.equals(reference.get(i), got.get(i)),
                            k.name() + ", " + threads + " threads, step " + i + ": max diff " + maxDiff(reference.get(i), got.get(i)));
                }
            }
        }
    }

    static final List<GgmlType> IQUANTS = List.of(GgmlType.IQ3_XXS, GgmlType.IQ3_S, GgmlType.IQ2_XXS, GgmlType.IQ2_XS,
            GgmlType.IQ2_S, GgmlType.IQ1_S, GgmlType.IQ1_M);

    /** Every i-quant type in turn over the 2-D tensors (output and embeddings Q6_K/Q4_K, the router F32). */
    static GgmlType iquantMix(SyntheticModel.Weights t) {
        if (t.name().equals("output.weight")) {
            return GgmlType.Q6_K;
        }
        if (t.name().equals("token_embd.weight")) {
            return GgmlType.Q4_K;
        }
        List<String> kinds = List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate_exps", "ffn_up_exps", "ffn_down_exps");
        String[] parts = t.name().split("\\.");
        int layer = Integer.parseInt(parts[1]);
        return IQUANTS.get(Math.floorMod(kinds.indexOf(parts[2]) + 3 * layer, IQUANTS.size()));
    }

    @Test
    void mixedIQuantModelMatchesItsDequantizedF32Copy() {
        List<SyntheticModel.Weights> w = SyntheticModel.generate(KQ);
        Path mixed = dir.resolve("iq-mixed.gguf");
        Path f32 = dir.resolve("iq-dequantized-f32.gguf");
        SyntheticModelWriter.writeMixed(KQ, w, ModelVariantsTest::iquantMix, io.sirocco.engine.synthetic.MixedTypes.Mix.Q4_K_M.fileType, mixed);
        SyntheticModelWriter.write(KQ, dequantized(w, ModelVariantsTest::iquantMix), GgmlType.F32, f32);
        try (Model m = Model.load(mixed)) {
            java.util.Set<GgmlType> types = new java.util.HashSet<>();
            m.file.tensors().values().forEach(t -> types.add(t.type()));
            assertTrue(types.containsAll(IQUANTS), types.toString());
        }
        float[] reference = logits(f32, PROMPT);
        double refMax = 0;
        for (float v : reference) {
            refMax = Math.max(refMax, Math.abs(v));
        }
        for (Kernels k : List.of(Kernels.best(true), new io.sirocco.engine.kernels.JavaKernels())) {
            float[] got;
            try (Model m = Model.load(mixed)) {
                got = new SingleSequence(m, new MatMul(k, POOL), 64).prefill(PROMPT);
            }
            double d = maxDiff(got, reference);
            // only the activations' 8-bit quantization separates the two
            System.out.println("mixed i-quant model vs dequantized F32, " + k.name() + ": max diff " + d + " of " + refMax);
            assertTrue(d < 0.02 * refMax, k.name() + " max diff " + d + " (max |logit| " + refMax + ")");
        }
    }
}
