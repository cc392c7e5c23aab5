package io.sirocco.gateway.dispatch;

import io.sirocco.engine.FinishReason;

/**
 * How a dispatched request ended, seen from the gateway.
 *
 * @param completionTokens for {@link Outcome#WORKER_LOST} and {@link Outcome#CANCELLED}: the tokens the gateway
 *                         received (what the client was streamed, hence what is billed); otherwise the worker's count
 * @param cachedTokens     prompt tokens the worker's prefix cache served (COMPLETED)
 */
public record RemoteResult(Outcome outcome, FinishReason finishReason, int promptTokens, int completionTokens,
                           String error, float[][] vectors, int cachedTokens) {

    public RemoteResult(Outcome outcome, FinishReason finishReason, int promptTokens, int completionTokens, String error,
                        float[][] vectors) {
        this(outcome, finishReason, promptTokens, completionTokens, error, vectors, 0);
    }

    public RemoteResult(Outcome outcome, FinishReason finishReason, int promptTokens, int completionTokens, String error) {
        this(outcome, finishReason, promptTokens, completionTokens, error, null);
    }

    public enum Outcome {
        /** The worker finished it (finishReason says why: stop, length, model_length, or an engine error). */
        COMPLETED,
        /** No worker started it within the queue timeout; nothing was generated. */
        QUEUE_TIMEOUT,
        /** The worker stopped answering mid-request (killed, node lost): finish with an error chunk. */
        WORKER_LOST,
        /** The gateway cancelled it (client went away). */
        CANCELLED,
        /** The worker refused it (bad prompt for this model); nothing was generated. */
        REJECTED
    }
}
