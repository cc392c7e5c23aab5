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
 */
public record EngineOptions(int threads, int maxSequences, int kvCacheTokens, int maxContext, boolean useNative,
                            int prefixCacheTokens) {
    public EngineOptions(int threads, int maxSequences, int kvCacheTokens, int maxContext, boolean useNative) {
        this(threads, maxSequences, kvCacheTokens, maxContext, useNative, -1);
    }

    public static EngineOptions defaults() {
        return new EngineOptions(0, 8, 16384, 4096, true, -1);
    }
}
