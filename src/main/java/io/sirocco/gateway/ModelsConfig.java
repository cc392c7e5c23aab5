package io.sirocco.gateway;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;

import java.util.Map;
import java.util.Optional;

/**
 * The models' settings: {@code sirocco.models.<name>} for every model, and {@code sirocco.models.<id>.<name>} for one
 * (documented in docs/operations.md). {@link ModelSettings} resolves one model's settings from both.
 */
@ConfigMapping(prefix = "sirocco.models")
public interface ModelsConfig {

    /** Write the seeded demo models into {@code <data-dir>/models} where they are missing. */
    @WithDefault("true")
    boolean writeDemo();

    /** What every model gets unless its own entry says otherwise. */
    @WithParentName
    Defaults defaults();

    /** Per model id: only what differs from the defaults. */
    @WithParentName
    Map<String, PerModel> model();

    interface Defaults {
        /** Kernel threads (0 = one per core). */
        @WithDefault("0")
        int threads();

        /** Sequences decoded at once (continuous batching); also a worker's batch slots. */
        @WithDefault("8")
        int maxSequences();

        /** Token positions of the KV-cache pool. */
        @WithDefault("16384")
        int kvCacheTokens();

        /** Cap on the context length (0 = the model's own). */
        @WithDefault("4096")
        int maxContext();

        @WithDefault("true")
        boolean useNative();

        /** KV positions finished sequences may keep for prompts with the same prefix (-1 = the pool, 0 = off). */
        @WithDefault("-1")
        int prefixCacheTokens();

        /**
         * Most batch (background) sequences in an engine step that also carries live work, taken in turns; with no
         * live work batch sequences use the whole batch (0 = no cap).
         */
        @WithDefault("2")
        int backgroundPerStep();

        /** Requests that may wait in a tier's queue. */
        @WithDefault("64")
        int queueCapacity();

        /** Scaled out: requests a gateway has at workers at once per model. */
        @WithDefault("256")
        int dispatchInFlight();
    }

    interface PerModel {
        /** The GGUF file; default {@code <data-dir>/models/<id>.gguf}. */
        Optional<String> path();

        /** Other ids the model answers to (read by {@link ModelAliases}). */
        Optional<java.util.List<String>> aliases();

        Optional<Integer> threads();

        Optional<Integer> maxSequences();

        Optional<Integer> kvCacheTokens();

        Optional<Integer> maxContext();

        Optional<Boolean> useNative();

        Optional<Integer> prefixCacheTokens();

        Optional<Integer> backgroundPerStep();

        Optional<Integer> queueCapacity();

        Optional<Integer> dispatchInFlight();
    }
}
