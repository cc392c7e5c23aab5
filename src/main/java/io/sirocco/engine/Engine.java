package io.sirocco.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A loaded model and its scheduler: the whole public surface of the engine.
 * Thread-safe: any thread may submit, cancel or embed.
 * This package holds only the contract and depends on no other engine package;
 * {@code runtime.LocalEngine.open(gguf, options)} opens one in this JVM.
 */
public interface Engine extends ModelText, AutoCloseable {

    /** Starts a generation; tokens go to {@code listener} as they are produced. Never blocks on the model. */
    Generation generate(int[] promptTokens, GenerationParams params, TokenListener listener);

    /**
     * Starts embedding one input: its L2-normalised pooled final hidden state. Cancelling the future stops the
     * input within one step. Refusals ({@link EngineException}) are thrown at once.
     */
    CompletableFuture<float[]> embed(int[] input);

    /** One embedding per input, batched by the scheduler; blocks until all are done. */
    default float[][] embed(List<int[]> inputs) {
        List<CompletableFuture<float[]>> pending = inputs.stream().map(this::embed).toList();
        float[][] out = new float[pending.size()][];
        try {
            for (int i = 0; i < out.length; i++) {
                out[i] = pending.get(i).get();
            }
        } catch (InterruptedException e) {
            pending.forEach(f -> f.cancel(false));
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while embedding", e);
        } catch (ExecutionException | CancellationException e) {
            pending.forEach(f -> f.cancel(false));
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw cause instanceof EngineException ee ? ee
                    : new EngineException("embedding failed: " + cause.getMessage(), cause);
        }
        return out;
    }

    /**
     * The same engine for one caller's requests: queued at {@code priority} (0 lowest, 9 highest) and waiting at most
     * {@code maxWait} for an engine to take them. An engine that runs in this JVM has no such queue and ignores both.
     */
    default Engine queuedAs(int priority, Duration maxWait) {
        return this;
    }

    /**
     * The same engine for work that may wait (batch lines): its sequences start only when no live sequence waits,
     * and a live sequence that needs their room preempts them: a preempted one starts over later, unseen by its
     * listener, which gets a background generation's tokens only once it has finished. A remote engine sends such
     * work to its workers marked as background, and they run it on their engine's background queue.
     */
    default Engine background() {
        return this;
    }

    EngineStats stats();

    @Override
    void close();
}
