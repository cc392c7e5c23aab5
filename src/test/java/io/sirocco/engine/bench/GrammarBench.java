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
 * Cost of constrained decoding (docs/benchmarks.md). Without arguments: microseconds per token of
 * mask + accept on the pack's 32,000-token vocabulary with random logits, for a schema and JSON mode,
 * first request (cold caches) and again (warm). With {@code --model F.gguf}: decode tokens/s through the
 * engine, free vs. with the schema, single stream, greedy.
 */
public final class GrammarBench {
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
                perToken(name, g, trie, round, 256);
            }
        }
    }

    /** Random-logit decoding (softmax draws at T = 1, seed = round): µs per token spent in mask + accept. */
    private static void perToken(String name, Grammar g, TokenTrie trie, int round, int maxTokens) {
        Random rnd = new Random(round % 2);
        float[] logits = new float[trie.vocabSize()];
        GrammarMatcher m = g.matcher(trie);
        long spent = 0;
        int n = 0;
        while (n < maxTokens && !m.isComplete()) {
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) rnd.nextGaussian() * 3;
            }
            long a = System.nanoTime();
            m.mask(logits, 0);
            long b = System.nanoTime();
            int t = draw(logits, rnd);
            long c = System.nanoTime();
            m.accept(t);
            spent += (b - a) + (System.nanoTime() - c);
            n++;
            if (t == 2) {
                break;
            }
        }
        System.out.printf("  %s round %d (%s): %d tokens, %.1f µs/token%n", name, round,
                round < 2 ? "new sequence" : "same sequence again, warm", n, spent / 1e3 / n);
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
            Grammar g = Grammar.jsonSchema(SCHEMA);
            for (int round = 0; round < 3; round++) {
                for (String mode : List.of("free", "schema")) {
                    GenerationParams p = new GenerationParams(0f, 1f, 128, List.of(), 0L, mode.equals("free") ? null : g);
                    long t0 = System.nanoTime();
                    GenerationResult r = e.generate(prompt, p, null).result().get(10, TimeUnit.MINUTES);
                    double s = (System.nanoTime() - t0) / 1e9;
                    System.out.printf("round %d %-6s: %d tokens in %.2f s (prefill included) = %.1f tok/s, %s%n", round,
                            mode, r.completionTokens(), s, r.completionTokens() / s, r.finishReason());
                }
            }
        }
    }
}
