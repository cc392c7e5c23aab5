package io.sirocco.gateway.dispatch;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineException;
import io.sirocco.engine.EngineStats;
import io.sirocco.engine.FinishReason;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.ModelInfo;
import io.sirocco.engine.ModelText;
import io.sirocco.engine.TokenListener;
import io.sirocco.engine.TokenLogprobs;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A model as a gateway sees it: its tokenizer ({@link ModelText}, read from the file's header), its facts as its
 * workers announce them, and generations run by workers through RabbitMQ. The gateway thus counts prompt tokens exactly for rate limits and
 * budgets before a request leaves it. Failures of the trip surface as {@link EngineException}s of their kind.
 */
public final class RemoteEngine implements Engine, ModelText.Delegating {
    private final String model;
    private final ModelText text;
    private final Supplier<Optional<Dispatcher>> dispatcher;
    private final Duration maxWait;
    private final int priority;
    private final boolean background;

    public RemoteEngine(String model, ModelText text, Supplier<Optional<Dispatcher>> dispatcher, Duration maxWait,
                        int priority) {
        this(model, text, dispatcher, maxWait, priority, false);
    }

    private RemoteEngine(String model, ModelText text, Supplier<Optional<Dispatcher>> dispatcher, Duration maxWait,
                         int priority, boolean background) {
        this.model = model;
        this.text = text;
        this.dispatcher = dispatcher;
        this.maxWait = maxWait;
        this.priority = priority;
        this.background = background;
    }

    @Override
    public Engine queuedAs(int queuePriority, Duration wait) {
        return new RemoteEngine(model, text, dispatcher, wait, queuePriority, background);
    }

    /**
     * Batch work: its requests go to the model's batch queue, and the worker runs them on its engine's background
     * queue, where live requests preempt them.
     */
    @Override
    public Engine background() {
        return new RemoteEngine(model, text, dispatcher, maxWait, priority, true);
    }

    /** The queue priority of this view's requests. */
    int priority() {
        return priority;
    }

    /** The model's tokenizer and template, read from the file's header. */
    @Override
    public ModelText text() {
        return text;
    }

    /** The model's facts as its workers announce them; the file's header until one has. */
    @Override
    public ModelInfo info() {
        return dispatcher.get().flatMap(d -> d.announced(model)).map(Dispatcher.Announced::info).orElse(text.info());
    }

    /**
     * Runs on a worker with every parameter the local engine takes (the grammar as its spec), and a
     * {@link TokenLogprobs.Listener} gets each token's log-probabilities as the worker computed them.
     */
    @Override
    public Generation generate(int[] promptTokens, GenerationParams params, TokenListener listener) {
        StringBuilder all = new StringBuilder();
        TokenListener collecting = collecting(all, listener);
        Integer top = listener instanceof TokenLogprobs.Listener lp ? lp.topLogprobs() : null;
        Wire.Request request;
        try {
            request = Wire.Request.generate(UUID.randomUUID().toString(), model, promptTokens, params, top);
        } catch (IllegalArgumentException e) {
            throw new EngineException(EngineException.Kind.INVALID_INPUT, e.getMessage(), e);
        }
        RemoteCall call = submit(request, collecting);
        CompletableFuture<GenerationResult> result = call.result().thenApply(r -> {
            synchronized (all) {
                return toResult(r, promptTokens.length, all.toString());
            }
        });
        return new Generation() {
            @Override
            public void cancel() {
                call.cancel();
            }

            @Override
            public CompletableFuture<GenerationResult> result() {
                return result;
            }

            @Override
            public void pause() {
                call.pause();
            }

            @Override
            public void resume() {
                call.resume();
            }
        };
    }

    /** Appends each delta to {@code all}, then passes the token (and its log-probabilities) on. */
    private static TokenListener collecting(StringBuilder all, TokenListener listener) {
        TokenListener text = (id, delta) -> {
            synchronized (all) {
                all.append(delta);
            }
            listener.onToken(id, delta);
        };
        if (!(listener instanceof TokenLogprobs.Listener lp)) {
            return text;
        }
        return new TokenLogprobs.Listener() {
            @Override
            public int topLogprobs() {
                return lp.topLogprobs();
            }

            @Override
            public void onLogprobs(TokenLogprobs logprobs) {
                lp.onLogprobs(logprobs);
            }

            @Override
            public void onToken(int tokenId, String textDelta) {
                text.onToken(tokenId, textDelta);
            }
        };
    }

    /** One input on a worker; cancelling the future cancels it there. */
    @Override
    public CompletableFuture<float[]> embed(int[] input) {
        RemoteCall call = submit(Wire.Request.embed(UUID.randomUUID().toString(), model, List.of(input)),
                (id, delta) -> { });
        CompletableFuture<float[]> out = new CompletableFuture<>();
        out.whenComplete((v, e) -> {
            if (out.isCancelled()) {
                call.cancel();
            }
        });
        call.result().whenComplete((r, e) -> {
            if (e != null) {
                out.completeExceptionally(new EngineException(EngineException.Kind.FAILED, e.getMessage(), e));
            } else if (r.outcome() == RemoteResult.Outcome.COMPLETED && r.vectors() != null) {
                out.complete(r.vectors()[0]);
            } else {
                out.completeExceptionally(failure(r));
            }
        });
        return out;
    }

    private RemoteCall submit(Wire.Request unmarked, TokenListener listener) {
        Wire.Request request = background ? unmarked.asBackground() : unmarked;
        Dispatcher d = dispatcher.get().orElseThrow(() -> new EngineException(EngineException.Kind.UNAVAILABLE,
                "RabbitMQ is unavailable: no worker can be reached"));
        try {
            return d.submit(request, priority, maxWait, listener);
        } catch (IOException e) {
            throw new EngineException(EngineException.Kind.UNAVAILABLE, e.getMessage(), e);
        }
    }

    static GenerationResult toResult(RemoteResult r, int promptTokens, String text) {
        int prompt = r.promptTokens() > 0 ? r.promptTokens() : promptTokens;
        return switch (r.outcome()) {
            case COMPLETED -> new GenerationResult(prompt, r.completionTokens(), r.finishReason(), text,
                    r.error() == null ? null : new EngineException(EngineException.Kind.FAILED, r.error()),
                    r.cachedTokens());
            case CANCELLED -> new GenerationResult(prompt, r.completionTokens(), FinishReason.CANCELLED, text, null);
            case QUEUE_TIMEOUT, WORKER_LOST, REJECTED -> new GenerationResult(prompt, r.completionTokens(),
                    FinishReason.ERROR, text, failure(r));
        };
    }

    /** A trip that did not end in an answer, as the engine failure of its kind. */
    private static EngineException failure(RemoteResult r) {
        String why = r.error() == null ? r.outcome().name() : r.error();
        return switch (r.outcome()) {
            case QUEUE_TIMEOUT -> new EngineException(EngineException.Kind.QUEUE_TIMEOUT, why);
            case WORKER_LOST -> new EngineException(EngineException.Kind.ENGINE_LOST, why);
            case REJECTED -> new EngineException(EngineException.Kind.INVALID_INPUT, why);
            case COMPLETED, CANCELLED -> new EngineException(EngineException.Kind.FAILED, why);
        };
    }

    /**
     * This gateway's requests for the model, waiting in RabbitMQ and running on workers (the queue-depth metric), and
     * the KV-cache blocks its workers announce.
     */
    @Override
    public EngineStats stats() {
        Optional<Dispatcher> d = dispatcher.get();
        int[] load = d.map(x -> x.load(model)).orElse(new int[]{0, 0});
        Optional<Dispatcher.Announced> a = d.flatMap(x -> x.announced(model));
        return new EngineStats(load[1], load[0], a.map(Dispatcher.Announced::kvBlocksUsed).orElse(0),
                a.map(Dispatcher.Announced::kvBlocksTotal).orElse(0), new long[0]);
    }

    @Override
    public void close() {
        // nothing held: the file was closed after reading its header
    }
}
