package io.sirocco.engine;

import java.util.concurrent.CompletableFuture;

/** A running generation: cancel it or wait for its result. */
public interface Generation {
    /** Stops the sequence within one decode step and frees its KV cache. Idempotent. */
    void cancel();

    /** Completes when the sequence ends, whatever the reason (never exceptionally). */
    CompletableFuture<GenerationResult> result();
}
