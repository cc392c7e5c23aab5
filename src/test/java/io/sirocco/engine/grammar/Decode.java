package io.sirocco.engine.grammar;

import java.io.ByteArrayOutputStream;
import java.util.Random;

/** Constrained decoding over {@link TestVocab} with random logits, as the engine's sampler does it. */
final class Decode {
    record Out(String text, boolean complete, int tokens) {
    }

    private Decode() {
    }

    /** Random logits each step; greedy picks the argmax of the masked logits, else a softmax draw at T = 1. */
    static Out run(Grammar g, Random rnd, boolean greedy, int maxTokens) {
        GrammarMatcher m = g.matcher(TestVocab.TRIE);
        int v = TestVocab.size();
        float[] logits = new float[v];
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        for (int n = 0; n < maxTokens; n++) {
            for (int i = 0; i < v; i++) {
                logits[i] = (float) rnd.nextGaussian() * 3;
            }
            if (!m.mask(logits, 0)) {
                throw new AssertionError("nothing allowed after " + text);
            }
            int t = greedy ? argmax(logits) : draw(logits, rnd);
            m.accept(t);
            if (t == TestVocab.EOS) {
                return new Out(text.toString(java.nio.charset.StandardCharsets.UTF_8), true, n + 1);
            }
            byte[] b = TestVocab.BYTES[t];
            if (b != null) {
                text.writeBytes(b);
            } else if (t == TestVocab.TOOL_CALLS) {
                text.writeBytes("[TOOL_CALLS]".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            if (m.isComplete()) {
                return new Out(text.toString(java.nio.charset.StandardCharsets.UTF_8), true, n + 1);
            }
        }
        return new Out(text.toString(java.nio.charset.StandardCharsets.UTF_8), false, maxTokens);
    }

    static int argmax(float[] l) {
        int best = 0;
        for (int i = 1; i < l.length; i++) {
            if (l[i] > l[best]) {
                best = i;
            }
        }
        return best;
    }

    static int draw(float[] l, Random rnd) {
        double max = l[argmax(l)];
        double sum = 0;
        double[] p = new double[l.length];
        for (int i = 0; i < l.length; i++) {
            p[i] = Math.exp(l[i] - max);
            sum += p[i];
        }
        double u = rnd.nextDouble() * sum;
        for (int i = 0; i < l.length; i++) {
            u -= p[i];
            if (u < 0 && p[i] > 0) {
                return i;
            }
        }
        return argmax(l);
    }
}
