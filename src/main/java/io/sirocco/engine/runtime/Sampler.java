package io.sirocco.engine.runtime;

import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.random.SplitMix64;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks the next token: greedy at temperature 0 (lowest id wins ties), else softmax(logits / T)
 * restricted to the top_p nucleus and drawn from a seeded generator, so a seed and input always
 * give the same tokens.
 */
public final class Sampler {
    private final float temperature;
    private final float topP;
    private final SplitMix64 rng;

    public Sampler(GenerationParams p) {
        this.temperature = Float.isFinite(p.temperature()) ? Math.max(0f, p.temperature()) : 0f;
        this.topP = p.topP() > 0f && p.topP() < 1f ? p.topP() : 1f;
        this.rng = new SplitMix64(p.randomSeed() != null ? p.randomSeed() : ThreadLocalRandom.current().nextLong());
    }

    public int sample(float[] logits, int off, int n) {
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
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        double kept = 0;
        int k = 0;
        while (k < n && (k == 0 || kept < topP * sum)) {
            kept += p[order[k++]];
        }
        return draw(p, order, k, u * kept);
    }

    /** The first index whose cumulative weight exceeds target (over {@code order} if given). */
    private static int draw(double[] p, Integer[] order, int k, double target) {
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
