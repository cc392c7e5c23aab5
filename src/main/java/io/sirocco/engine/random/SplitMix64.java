package io.sirocco.engine.random;

/** The splitmix64 generator of the conformance pack (golden README §6). */
public final class SplitMix64 {
    private long state;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    public long next() {
        state += 0x9E3779B97F4A7C15L;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** One weight: uniform in [-A/2, A/2), computed exactly as the pack specifies. */
    public float nextWeight(float amplitude) {
        float u = (float) (next() >>> 40) * 0x1p-24f;
        return (u - 0.5f) * amplitude;
    }
}
