package io.sirocco.engine.golden;

import io.sirocco.engine.kernels.Kernels;
import io.sirocco.engine.kernels.MatMul;
import io.sirocco.engine.kernels.KernelThreads;
import io.sirocco.engine.model.Model;
import io.sirocco.engine.model.SingleSequence;
import io.sirocco.engine.synthetic.MixedTypes;
import io.sirocco.engine.synthetic.ModelSpec;
import io.sirocco.engine.synthetic.SyntheticModel;
import io.sirocco.engine.synthetic.SyntheticModelWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llama-quantize's mixes of the pack's {@code moe-a} (8 experts) against llama.cpp (goldens made by
 * src/test/golden-recipes/make-mix-goldens.sh). The files are written by the project's own writer and
 * first checked byte for byte against the sha256 of llama-quantize's output, so no llama.cpp is needed
 * here. Then, per prompt: the golden's top-10 logits at the last prompt position within 0.5, and the
 * greedy rule of golden README §9 with that tolerance. The same check for issue 7's bench shape
 * (8 experts, 791 M parameters; P1 goldens without the .f32 file), and for i-quant mixes that llama-quantize
 * made with an importance matrix (moe-a and bench shape, {@link #LLAMA_QUANTIZE_ONLY}), runs with the
 * native and the Java kernels when the files are given.
 */
class GoldenMixesTest {
    static final double TOP10_TOLERANCE = 0.5;
    /**
     * Router flips (golden README §9, effect 2) seen on the bench shape, with the bound their top-10 Δ must still
     * keep: golden name and kernel family → bound. bench-Q3_K_M, Java kernels: at the last layer and the last
     * prompt token the engine picks experts [3, 7] where the native kernels (and, by their logits, llama.cpp)
     * pick [3, 6]; the last-layer hidden state differs through activation-rounding ties of the 3-bit model.
     * Forcing [3, 6] there brings the Java top-10 Δ to 0.44 (docs/engine.md). bench-IQ2_XS, Java kernels: at layer 2,
     * token 9 the engine picks experts [6, 1] where the native kernels pick [6, 7] (probability margin 0.004), and the
     * flip spreads to tokens 9 and 11 of later layers. Any other file or kernel keeps 0.5.
     */
    static final Map<String, Double> ROUTER_FLIPS = Map.of("bench-Q3_K_M-P1 java", 1.0, "bench-IQ2_XS-P1 java", 1.0);
    static final KernelThreads POOL = new KernelThreads(2);
    static final List<MatMul> KERNELS = List.of(new MatMul(Kernels.best(true), POOL), new MatMul(Kernels.best(false), POOL));
    static final List<SyntheticModel.Weights> WEIGHTS = SyntheticModel.generate(ModelSpec.MOE_A);
    /**
     * Mixes that only llama-quantize makes (with an importance matrix from llama-imatrix), of moe-a and of
     * the bench shape: the project writes these types but not llama.cpp's imatrix-guided choices, so
     * their files come from the recipe.
     */
    static final List<String> LLAMA_QUANTIZE_ONLY = List.of("IQ3_XXS", "IQ2_XS", "IQ1_M", "IQ2_XXS", "IQ1_S", "IQ3_S", "IQ2_S");

    @AfterAll
    static void close() {
        POOL.close();
    }

    @TestFactory
    List<DynamicTest> mixes() {
        List<DynamicTest> tests = new ArrayList<>();
        for (MixedTypes.Mix mix : MixedTypes.Mix.values()) {
            tests.add(DynamicTest.dynamicTest(mix + " file", () -> check(mix)));
        }
        String benchDir = System.getProperty("sirocco.bench-mixes");
        List<String> files = new ArrayList<>();
        for (MixedTypes.Mix mix : MixedTypes.Mix.values()) {
            files.add("bench-" + mix.name());
        }
        for (String model : List.of("moe-a", "bench")) {
            for (String mix : LLAMA_QUANTIZE_ONLY) {
                files.add(model + "-" + mix);
            }
        }
        for (String name : files) {
            tests.add(DynamicTest.dynamicTest("llama-quantize's " + name, () -> {
                // bench-shape files take minutes to write, i-quant files need llama.cpp: opt-in
                Assumptions.assumeTrue(benchDir != null, "set -Dsirocco.bench-mixes=DIR (<model>-<mix>.gguf files, "
                        + "made by src/test/golden-recipes/bench/make-bench-goldens.sh) to check these goldens");
                Assumptions.assumeTrue(GoldenMixesTest.class.getResource("/golden/mixes/" + name + "-P1.json") != null,
                        "no golden recorded for " + name);
                Path file = Path.of(benchDir, name + ".gguf");
                Assumptions.assumeTrue(Files.exists(file), "no " + file);
                try (Model model = Model.load(file)) {
                    for (MatMul mm : KERNELS) {
                        compare(model, mm, name + "-P1");
                    }
                }
            }));
        }
        return tests;
    }

    @SuppressWarnings("unchecked")
    static void check(MixedTypes.Mix mix) throws Exception {
        Map<String, Object> files = GoldenPack.json("mixes/files.json");
        String expected = (String) ((Map<String, Object>) files.get("llama_quantize_sha256")).get(mix.name());
        Path file = Files.createTempFile("moe-a-" + mix, ".gguf");
        try {
            SyntheticModelWriter.writeMixed(ModelSpec.MOE_A, WEIGHTS, mix.typeOf(ModelSpec.MOE_A), mix.fileType, file);
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
            assertEquals(expected, sha, mix + ": the writer's file differs from llama-quantize's");
            try (Model model = Model.load(file)) {
                for (String prompt : List.of("P1", "P2")) {
                    for (MatMul mm : KERNELS) {
                        compare(model, mm, "moe-a-" + mix + "-" + prompt);
                    }
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @SuppressWarnings("unchecked")
    static void compare(Model model, MatMul mm, String name) {
        Map<String, Object> g = GoldenPack.json("mixes/" + name + ".json");
        SingleSequence seq = new SingleSequence(model, mm, 512);
        float[] logits = seq.prefill(GoldenPack.ints(g.get("prompt_ids")));
        double worst = 0;
        for (Object o : (List<Object>) ((Map<String, Object>) g.get("last_logits")).get("top10")) {
            Map<String, Object> e = (Map<String, Object>) o;
            double d = Math.abs(logits[((Number) e.get("id")).intValue()] - ((Number) e.get("logit")).doubleValue());
            worst = Math.max(worst, d);
        }
        String summary = name + " (" + mm.kernels().name() + "): top-10 max " + String.format("%.3g", worst)
                + fullLogits(name, logits);
        System.out.println(summary);
        String family = mm.kernels().name().startsWith("java") ? "java" : "native";
        double bound = ROUTER_FLIPS.getOrDefault(name + " " + family, TOP10_TOLERANCE);
        assertTrue(worst <= bound, summary + (bound > TOP10_TOLERANCE ? " (known router flip, bound " + bound + ")" : ""));

        int[] greedy = GoldenPack.ints(g.get("greedy_ids"));
        List<Object> top1 = (List<Object>) g.get("greedy_top1_logit");
        List<Object> margins = (List<Object>) g.get("greedy_margin_top1_top2");
        int exact = 0;
        while (exact < 24 && ((Number) margins.get(exact)).doubleValue() >= 2 * TOP10_TOLERANCE) {
            exact++;
        }
        int[] mine = new int[exact];
        for (int step = 0; step < exact; step++) {
            int best = GoldenLogitsTest.argmax(logits);
            mine[step] = best;
            assertEquals(((Number) top1.get(step)).doubleValue(), logits[best], TOP10_TOLERANCE, name + " top-1 at step " + step);
            logits = seq.decode(best);
        }
        assertArrayEquals(java.util.Arrays.copyOf(greedy, exact), mine, name + " greedy tokens (first " + exact + ")");
    }

    /** Max and rms over all logits where the golden's .f32 is committed (P1), for the record. */
    static String fullLogits(String name, float[] logits) {
        if (GoldenMixesTest.class.getResource("/golden/mixes/" + name + ".f32") == null) {
            return "";
        }
        java.nio.FloatBuffer b = java.nio.ByteBuffer.wrap(GoldenPack.resource("mixes/" + name + ".f32"))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] golden = new float[b.remaining()];
        b.get(golden);
        double max = 0;
        double sq = 0;
        for (int i = 0; i < golden.length; i++) {
            double d = Math.abs(logits[i] - golden[i]);
            max = Math.max(max, d);
            sq += d * d;
        }
        return String.format(", all logits max %.3g rms %.3g", max, Math.sqrt(sq / golden.length));
    }
}
