package io.sirocco.engine;

import java.util.concurrent.CompletableFuture;

/** A running generation: cancel it, pause it while its reader is behind, or wait for its result. */
public interface Generation {
    /** Stops the sequence within one decode step and frees its KV cache. Idempotent. */
    void cancel();

    /** Completes when the sequence ends, whatever the reason (never exceptionally). */
    CompletableFuture<GenerationResult> result();

    /**
     * Holds the sequence out of the batch (keeping its KV cache) until {@link #resume}: its reader is behind.
     * Engines that cannot pause ignore it.
     */
    default void pause() {
    }

    default void resume() {
    }
}
