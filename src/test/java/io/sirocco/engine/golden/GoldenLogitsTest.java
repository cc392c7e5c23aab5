package io.sirocco.engine.golden;

import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.kernels.Kernels;
import io.sirocco.engine.kernels.MatMul;
import io.sirocco.engine.kernels.KernelThreads;
import io.sirocco.engine.model.Model;
import io.sirocco.engine.model.SingleSequence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 12 goldens of the conformance pack (README §8–9): last-position logits within the type's
 * tolerance (max abs and rms), then 24 greedy steps matching for the first greedy_exact_steps.
 */
class GoldenLogitsTest {
    static final KernelThreads POOL = new KernelThreads(2);
    /** The engine's kernels (native where built) and the Java fallback: both must pass every golden. */
    static final List<MatMul> KERNELS = List.of(new MatMul(Kernels.best(true), POOL), new MatMul(Kernels.best(false), POOL));

    @AfterAll
    static void close() {
        POOL.close();
    }

    @TestFactory
    List<DynamicTest> goldens() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : GoldenPack.MODELS) {
            for (GgmlType type : GoldenPack.TYPES) {
                for (String prompt : List.of("P1", "P2")) {
                    String name = model + "-" + type + "-" + prompt;
                    for (MatMul mm : KERNELS) {
                        tests.add(DynamicTest.dynamicTest(name + " (" + mm.kernels().name() + ")",
                                () -> check(mm, model, type, name)));
                    }
                }
            }
        }
        return tests;
    }

    @SuppressWarnings("unchecked")
    static void check(MatMul mm, String modelName, GgmlType type, String name) {
        Map<String, Object> g = GoldenPack.json("goldens/" + name + ".json");
        Map<String, Object> tol = (Map<String, Object>) g.get("tolerance");
        double maxAbs = ((Number) tol.get("max_abs")).doubleValue();
        double rmsTol = ((Number) tol.get("rms")).doubleValue();
        int exact = ((Number) tol.get("greedy_exact_steps")).intValue();
        float[] golden = GoldenPack.logits(name + ".f32");
        int[] prompt = GoldenPack.ints(g.get("prompt_ids"));
        int[] greedyIds = GoldenPack.ints(g.get("greedy_ids"));
        List<Object> top1 = (List<Object>) g.get("greedy_top1_logit");

        try (Model model = Model.load(GoldenPack.model(modelName, type))) {
            SingleSequence seq = new SingleSequence(model, mm, 512);
            float[] logits = seq.prefill(prompt);
            double max = 0;
            double sq = 0;
            for (int i = 0; i < golden.length; i++) {
                double d = Math.abs(logits[i] - golden[i]);
                max = Math.max(max, d);
                sq += d * d;
            }
            double rms = Math.sqrt(sq / golden.length);
            System.out.printf("%s (%s): max %.3g rms %.3g%n", name, mm.kernels().name(), max, rms);
            assertTrue(max <= maxAbs, name + ": max abs diff " + max + " > " + maxAbs);
            assertTrue(rms <= rmsTol, name + ": rms diff " + rms + " > " + rmsTol);

            int[] mine = new int[24];
            for (int step = 0; step < 24; step++) {
                int best = argmax(logits);
                mine[step] = best;
                if (step < exact) {
                    assertEquals(((Number) top1.get(step)).doubleValue(), logits[best], maxAbs,
                            name + " top-1 logit at step " + step);
                }
                logits = seq.decode(best);
            }
            assertArrayEquals(java.util.Arrays.copyOf(greedyIds, exact), java.util.Arrays.copyOf(mine, exact),
                    name + " greedy tokens (first " + exact + ")");
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
