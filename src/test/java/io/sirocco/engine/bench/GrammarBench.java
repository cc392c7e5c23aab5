package io.sirocco.engine.bench;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.grammar.Grammar;
import io.sirocco.engine.grammar.GrammarMatcher;
import io.sirocco.engine.grammar.TokenTrie;
import io.sirocco.engine.runtime.LocalEngine;
import io.sirocco.engine.synthetic.PackVocabulary;
import io.sirocco.engine.tokenizer.Tokenizer;
import io.sirocco.engine.tokenizer.Vocabulary;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Cost of constrained decoding (docs/benchmarks.md). Without arguments: CPU microseconds per token of
 * mask + accept on the pack's 32,000-token vocabulary with random logits, for a schema and JSON mode,
 * first request (cold caches) and again (warm). With {@code --model F.gguf}: decode tokens/s through the
 * engine (first to last streamed token, wall time and process CPU time per token), free vs. the schema vs.
 * JSON mode, single stream, greedy; round 0 is the first use of the schema in the JVM (cold masks), later
 * rounds reuse it.
 */
public final class GrammarBench {
    /** Thread CPU time: on a shared, loaded machine it measures our work, not our waiting for a core. */
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();
    /** Process CPU time (all engine threads): per decoded token it is steadier than wall time under load. */
    private static final com.sun.management.OperatingSystemMXBean PROCESS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    static final String SCHEMA = """
            {"type":"object","properties":{
              "name":{"type":"string","maxLength":24},
              "age":{"type":"integer","minimum":0,"maximum":150},
              "email":{"type":"string","format":"email"},
              "tags":{"type":"array","items":{"type":"string","maxLength":12},"maxItems":4},
              "address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string","pattern":"^[0-9]{5}$"}},
                         "required":["city","zip"],"additionalProperties":false},
              "active":{"type":"boolean"}},
             "required":["name","age","email","tags","address","active"],"additionalProperties":false}""";

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--model")) {
            engine(Path.of(args[1]));
            return;
        }
        PackVocabulary pv = PackVocabulary.get();
        Tokenizer tok = new Tokenizer(new Vocabulary(pv.tokens(), pv.scores(), pv.types(), 1, 2, 0, true, true));
        long t0 = System.nanoTime();
        TokenTrie trie = TokenTrie.of(tok);
        System.out.printf("trie: %d tokens, %d nodes, built in %.1f ms%n", trie.vocabSize(), trie.nodes(),
                (System.nanoTime() - t0) / 1e6);
        for (String name : List.of("schema", "json_object")) {
            t0 = System.nanoTime();
            Grammar g = name.equals("schema") ? Grammar.jsonSchema(SCHEMA) : Grammar.jsonObject();
            System.out.printf("%s: compiled in %.2f ms%n", name, (System.nanoTime() - t0) / 1e6);
            for (int round = 0; round < 4; round++) {
                perToken(name, g, trie, round, 256, round < 2 ? "new sequence" : "same path again, warm");
            }
        }
        // a schema never seen before, after the JIT has warmed up: what a new request's schema costs
        for (int k = 0; k < 3; k++) {
            Grammar fresh = Grammar.jsonSchema(SCHEMA.replace("24", Integer.toString(30 + k)));
            perToken("new schema", fresh, trie, 0, 256, "cold masks, warm JIT");
        }
    }

    /** Random-logit decoding (softmax draws at T = 1, seed = round): µs per token in mask + accept + inFreeText. */
    private static void perToken(String name, Grammar g, TokenTrie trie, int round, int maxTokens, String what) {
        Random rnd = new Random(round % 2);
        float[] logits = new float[trie.vocabSize()];
        GrammarMatcher m = g.matcher(trie);
        long spent = 0;
        int n = 0;
        while (n < maxTokens && !m.isComplete()) {
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) rnd.nextGaussian() * 3;
            }
            long a = CPU.getCurrentThreadCpuTime();
            m.mask(logits, 0);
            long b = CPU.getCurrentThreadCpuTime();
            int t = draw(logits, rnd);
            long c = CPU.getCurrentThreadCpuTime();
            m.accept(t);
            m.inFreeText(); // the engine asks after each token (stop strings apply only in free text)
            spent += (b - a) + (CPU.getCurrentThreadCpuTime() - c);
            n++;
            if (t == 2) {
                break;
            }
        }
        System.out.printf("  %s round %d (%s): %d tokens, %.1f µs/token%n", name, round, what, n, spent / 1e3 / n);
    }

    private static int draw(float[] l, Random rnd) {
        double max = Float.NEGATIVE_INFINITY;
        for (float x : l) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : l) {
            sum += Math.exp(x - max);
        }
        double u = rnd.nextDouble() * sum;
        for (int i = 0; i < l.length; i++) {
            u -= Math.exp(l[i] - max);
            if (u < 0) {
                return i;
            }
        }
        return 0;
    }

    private static void engine(Path model) throws Exception {
        try (Engine e = LocalEngine.open(model, new EngineOptions(2, 4, 4096, 1024, true))) {
            int[] prompt = e.tokenize("Write a JSON object describing a person:", true);
            e.generate(prompt, GenerationParams.greedy(8), null).result().get(10, TimeUnit.MINUTES); // warm-up
            for (int round = 0; round < 3; round++) {
                for (String mode : List.of("free", "schema", "json_object")) {
                    Grammar g = switch (mode) {
                        case "schema" -> Grammar.jsonSchema(SCHEMA);
                        case "json_object" -> Grammar.jsonObject();
                        default -> null;
                    };
                    GenerationParams p = new GenerationParams(0f, 1f, 96, List.of(), 0L, g);
                    long[] first = {0};
                    long[] last = {0};
                    long[] cpuFirst = {0};
                    long[] cpuLast = {0};
                    GenerationResult r = e.generate(prompt, p, (id, d) -> {
                        last[0] = System.nanoTime();
                        cpuLast[0] = PROCESS.getProcessCpuTime();
                        if (first[0] == 0) {
                            first[0] = last[0];
                            cpuFirst[0] = cpuLast[0];
                        }
                    }).result().get(10, TimeUnit.MINUTES);
                    double s = (last[0] - first[0]) / 1e9;
                    int steps = r.completionTokens() - 1;
                    System.out.printf("round %d %-11s: %3d tokens, decode %.1f tok/s (%.2f ms/token), process CPU %.2f ms/token, %s%n",
                            round, mode, r.completionTokens(), steps / s, s * 1e3 / steps,
                            (cpuLast[0] - cpuFirst[0]) / 1e6 / steps, r.finishReason());
                }
            }
        }
    }
}
