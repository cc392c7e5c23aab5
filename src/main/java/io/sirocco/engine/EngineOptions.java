package io.sirocco.engine;

/**
 * How an engine runs a model.
 *
 * @param threads        worker threads for the kernels (0 = number of cores)
 * @param maxSequences   sequences decoded concurrently (continuous batching)
 * @param kvCacheTokens  total token positions in the KV-cache pool, shared by all sequences
 * @param maxContext     cap on the context length (0 = the model's own)
 * @param useNative      try the native kernel library first
 * @param prefixCacheTokens most token positions that finished sequences' KV blocks may keep in the pool for
 *                       reuse by later prompts with the same prefix (-1 = the whole pool, 0 = prefix caching off)
 * @param backgroundPerStep most background (batch) sequences in a forward step that also carries live work, so live
 *                       requests keep their step time; with no live work background sequences use the whole batch
 *                       (0 = no cap)
 */
public record EngineOptions(int threads, int maxSequences, int kvCacheTokens, int maxContext, boolean useNative,
                            int prefixCacheTokens, int backgroundPerStep) {
    /** The default {@link #backgroundPerStep}. */
    public static final int BACKGROUND_PER_STEP = 2;

    public EngineOptions(int threads, int maxSequences, int kvCacheTokens, int maxContext, boolean useNative) {
        this(threads, maxSequences, kvCacheTokens, maxContext, useNative, -1);
    }

    public EngineOptions(int threads, int maxSequences, int kvCacheTokens, int maxContext, boolean useNative,
                         int prefixCacheTokens) {
        this(threads, maxSequences, kvCacheTokens, maxContext, useNative, prefixCacheTokens, BACKGROUND_PER_STEP);
    }

    public static EngineOptions defaults() {
        return new EngineOptions(0, 8, 16384, 4096, true, -1, BACKGROUND_PER_STEP);
    }
}
