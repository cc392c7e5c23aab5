package io.sirocco.engine.runtime;

import io.sirocco.engine.TokenLogprobs;
import io.sirocco.engine.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/** Log-softmax of one step's logits, for the sampled token and the {@code k} most likely ones. */
final class Logprobs {
    private Logprobs() {
    }

    static TokenLogprobs of(float[] logits, int off, int n, int token, int k, Tokenizer tokenizer) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        float lse = (float) (max + Math.log(sum));
        int[] best = new int[k];
        int found = 0;
        for (int i = 0; i < n && k > 0; i++) {
            if (found < k || logits[off + i] > logits[off + best[found - 1]]) {
                int j = found < k ? found++ : k - 1;
                while (j > 0 && logits[off + best[j - 1]] < logits[off + i]) {
                    best[j] = best[j - 1];
                    j--;
                }
                best[j] = i;
            }
        }
        List<TokenLogprobs> top = new ArrayList<>(found);
        for (int j = 0; j < found; j++) {
            top.add(new TokenLogprobs(best[j], tokenizer.pieceBytes(best[j], false), logits[off + best[j]] - lse, List.of()));
        }
        return new TokenLogprobs(token, tokenizer.pieceBytes(token, false), logits[off + token] - lse, top);
    }
}
