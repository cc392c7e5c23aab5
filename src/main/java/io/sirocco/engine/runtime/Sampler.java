package io.sirocco.engine.runtime;

import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.random.SplitMix64;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks the next token: greedy at temperature 0 (lowest id wins ties), else softmax(logits / T)
 * restricted to the top_p nucleus and drawn from a seeded generator, so a seed and input always
 * give the same tokens. Presence and frequency penalties (OpenAI's rule, over the tokens generated so far) are
 * subtracted from the logits first.
 */
public final class Sampler {
    private final float temperature;
    private final float topP;
    private final SplitMix64 rng;
    private final float presence;
    private final float frequency;
    /** token id → times generated; only kept when a penalty is set. */
    private final java.util.Map<Integer, Integer> counts;

    public Sampler(GenerationParams p) {
        this.temperature = Float.isFinite(p.temperature()) ? Math.max(0f, p.temperature()) : 0f;
        this.topP = p.topP() > 0f && p.topP() < 1f ? p.topP() : 1f;
        this.rng = new SplitMix64(p.randomSeed() != null ? p.randomSeed() : ThreadLocalRandom.current().nextLong());
        this.presence = Float.isFinite(p.presencePenalty()) ? p.presencePenalty() : 0f;
        this.frequency = Float.isFinite(p.frequencyPenalty()) ? p.frequencyPenalty() : 0f;
        this.counts = presence != 0f || frequency != 0f ? new java.util.HashMap<>() : null;
    }

    /** Samples the next token from {@code logits[off, off+n)} (penalties are applied there, in place). */
    public int sample(float[] logits, int off, int n) {
        if (counts == null) {
            return draw(logits, off, n);
        }
        counts.forEach((id, c) -> {
            if (id < n) {
                logits[off + id] -= presence + frequency * c;
            }
        });
        int token = draw(logits, off, n);
        counts.merge(token, 1, Integer::sum);
        return token;
    }

    private int draw(float[] logits, int off, int n) {
        if (temperature == 0f) {
            return argmax(logits, off, n);
        }
        double max = logits[off + argmax(logits, off, n)];
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = StrictMath.exp((logits[off + i] - max) / temperature); // same bits warm or cold
            sum += p[i];
        }
        double u = uniform();
        if (topP >= 1f) {
            return draw(p, null, n, u * sum);
        }
        // the nucleus: most probable first (lowest id among equals), popped from a heap only as far as needed
        int[] heap = new int[n];
        for (int i = 0; i < n; i++) {
            heap[i] = i;
        }
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(heap, i, n, p);
        }
        int[] order = new int[n];
        double kept = 0;
        int k = 0;
        while (k < n && (k == 0 || kept < topP * sum)) {
            int top = heap[0];
            heap[0] = heap[n - 1 - k];
            siftDown(heap, 0, n - 1 - k, p);
            order[k++] = top;
            kept += p[top];
        }
        return draw(p, order, k, u * kept);
    }

    /** Whether token a comes before token b in the nucleus order. */
    private static boolean before(int a, int b, double[] p) {
        return p[a] != p[b] ? p[a] > p[b] : a < b;
    }

    private static void siftDown(int[] heap, int i, int size, double[] p) {
        while (true) {
            int best = i;
            int l = 2 * i + 1;
            if (l < size && before(heap[l], heap[best], p)) {
                best = l;
            }
            if (l + 1 < size && before(heap[l + 1], heap[best], p)) {
                best = l + 1;
            }
            if (best == i) {
                return;
            }
            int t = heap[i];
            heap[i] = heap[best];
            heap[best] = t;
            i = best;
        }
    }

    /** The first index whose cumulative weight exceeds target (over {@code order} if given). */
    private static int draw(double[] p, int[] order, int k, double target) {
        double acc = 0;
        for (int j = 0; j < k; j++) {
            int i = order == null ? j : order[j];
            acc += p[i];
            if (acc > target) {
                return i;
            }
        }
        return order == null ? k - 1 : order[k - 1];
    }

    private double uniform() {
        return (rng.next() >>> 11) * 0x1p-53;
    }

    public static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[off + i] > v[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
