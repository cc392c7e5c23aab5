package io.sirocco.engine.synthetic;

/**
 * The shape of a seeded llama-architecture model (golden README §2). {@code nExpert == 0} is dense.
 * {@code embedding} models have no output matrix (tied to the embeddings) and declare mean pooling.
 */
public record ModelSpec(String name, int nEmbd, int nLayer, int nHead, int nHeadKv, int nFf, int nExpert,
                        int nExpertUsed, long seed, boolean embedding) {

    public static final ModelSpec MOE_A = new ModelSpec("moe-a", 256, 4, 8, 2, 512, 8, 2, 20261126L, false);
    public static final ModelSpec DENSE_A = new ModelSpec("dense-a", 256, 4, 8, 2, 768, 0, 0, 20261127L, false);
    /** Issue 7's "bench" shape: Mixtral-like, 791 M parameters, ~230 M active per token. */
    public static final ModelSpec BENCH = new ModelSpec("bench", 1024, 8, 16, 4, 3584, 8, 2, 20261207L, false);
    public static final int VOCAB = 32000;
    public static final int CONTEXT_LENGTH = 4096;

    public int headDim() {
        return nEmbd / nHead;
    }

    public boolean moe() {
        return nExpert > 0;
    }

    public static ModelSpec byName(String name) {
        return switch (name) {
            case "moe-a" -> MOE_A;
            case "dense-a" -> DENSE_A;
            case "bench" -> BENCH;
            default -> throw new IllegalArgumentException("unknown model shape " + name + " (moe-a, dense-a or bench)");
        };
    }
}
