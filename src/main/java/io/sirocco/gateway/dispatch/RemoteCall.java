package io.sirocco.gateway.dispatch;

import io.sirocco.engine.FinishReason;
import io.sirocco.engine.TokenListener;
import io.sirocco.engine.TokenLogprobs;

import java.util.concurrent.CompletableFuture;

/**
 * One request dispatched to a worker, on the gateway. Tokens go to the listener as they arrive (on the RabbitMQ
 * consumer thread); {@link #result()} completes exactly once, whatever happens.
 */
public final class RemoteCall {
    final String requestId;
    final String model;
    private final TokenListener listener;
    private final Dispatcher dispatcher;
    private final long queueDeadlineNanos;
    private final CompletableFuture<Integer> started = new CompletableFuture<>();
    private final CompletableFuture<RemoteResult> result = new CompletableFuture<>();
    private volatile long lastHeardNanos;
    private int promptTokens;
    private int streamedTokens;

    RemoteCall(String requestId, String model, TokenListener listener, Dispatcher dispatcher, long queueDeadlineNanos) {
        this.requestId = requestId;
        this.model = model;
        this.listener = listener;
        this.dispatcher = dispatcher;
        this.queueDeadlineNanos = queueDeadlineNanos;
    }

    public String requestId() {
        return requestId;
    }

    /** Completes with the prompt's token count when a worker takes the request (never, if none does). */
    public CompletableFuture<Integer> started() {
        return started;
    }

    public CompletableFuture<RemoteResult> result() {
        return result;
    }

    /** Stops the request wherever it is (queued or running). Idempotent. */
    public void cancel() {
        if (end(RemoteResult.Outcome.CANCELLED, FinishReason.CANCELLED, null)) {
            dispatcher.publishControl(requestId, Wire.Control.Action.CANCEL);
        }
    }

    /** Holds the request's decoding on its worker while its client is behind; {@link #resume} releases it. */
    public void pause() {
        dispatcher.publishControl(requestId, Wire.Control.Action.PAUSE);
    }

    public void resume() {
        dispatcher.publishControl(requestId, Wire.Control.Action.RESUME);
    }

    synchronized void onReply(Wire.Reply reply) {
        if (result.isDone()) {
            return;
        }
        lastHeardNanos = System.nanoTime();
        switch (reply.type()) {
            case STARTED -> {
                promptTokens = reply.promptTokens();
                started.complete(promptTokens);
            }
            case TOKEN -> {
                streamedTokens++;
                if (reply.logprobs() != null && listener instanceof TokenLogprobs.Listener lp) {
                    lp.onLogprobs(reply.logprobs());
                }
                listener.onToken(reply.tokenId(), reply.text() == null ? "" : reply.text());
            }
            case HEARTBEAT -> {
            }
            case DONE -> complete(new RemoteResult(RemoteResult.Outcome.COMPLETED, reply.finishReason(),
                    reply.promptTokens(), reply.completionTokens(), reply.error(), null, reply.cachedTokens()));
            case REJECTED -> complete(new RemoteResult(RemoteResult.Outcome.REJECTED, FinishReason.ERROR, 0, 0,
                    reply.error()));
            case EMBEDDINGS -> {
                started.complete(reply.promptTokens());
                complete(new RemoteResult(RemoteResult.Outcome.COMPLETED, FinishReason.STOP, reply.promptTokens(), 0,
                        null, reply.vectors()));
            }
        }
    }

    /** The gateway's watchdog: a queue timeout before any worker took it, or a silent worker after. */
    void check(long now, long stallNanos) {
        if (!started.isDone()) {
            if (now - queueDeadlineNanos > 0 && end(RemoteResult.Outcome.QUEUE_TIMEOUT, FinishReason.ERROR,
                    "no worker took the request within the queue timeout")) {
                dispatcher.publishControl(requestId, Wire.Control.Action.CANCEL);
            }
        } else if (now - lastHeardNanos > stallNanos && end(RemoteResult.Outcome.WORKER_LOST, FinishReason.ERROR,
                "the worker serving the request stopped responding")) {
            dispatcher.publishControl(requestId, Wire.Control.Action.CANCEL);
        }
    }

    /** Ends the call from the gateway's side, counting only the tokens it streamed. */
    synchronized boolean end(RemoteResult.Outcome outcome, FinishReason reason, String error) {
        return complete(new RemoteResult(outcome, reason, promptTokens, streamedTokens, error));
    }

    /** Always under this call's monitor, so the first outcome wins; the dispatcher forgets the call before anyone sees it end. */
    private boolean complete(RemoteResult r) {
        if (result.isDone()) {
            return false;
        }
        dispatcher.forget(this);
        result.complete(r);
        if (!started.isDone()) {
            started.completeExceptionally(new IllegalStateException(r.outcome() + ": " + r.error()));
        }
        return true;
    }
}
