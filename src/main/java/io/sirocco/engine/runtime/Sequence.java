package io.sirocco.engine.runtime;

import io.sirocco.engine.FinishReason;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.TokenListener;
import io.sirocco.engine.TokenLogprobs;
import io.sirocco.engine.grammar.GrammarException;
import io.sirocco.engine.grammar.GrammarMatcher;
import io.sirocco.engine.model.KvCache;
import io.sirocco.engine.tokenizer.Tokenizer;
import io.sirocco.engine.tokenizer.Utf8Stream;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * One request inside the scheduler: a generation or an embedding. Its state (KV blocks, position,
 * output text) is touched only by the scheduler thread; {@link #cancel} only sets a flag.
 */
final class Sequence implements Generation {
    final int[] prompt;
    /** KV positions to reserve at admission: the most this sequence can ever hold. */
    final int reserve;
    KvCache.BlockTable table;
    /** The tokens at positions 0..reserve: the prompt, then each sampled token as it is fed back. */
    final int[] history;
    /** Tokens already written to the KV cache. */
    int processed;
    /** Leading prompt tokens taken from the prefix cache. */
    int cachedTokens;
    private volatile boolean cancelled;
    /** Background work: admitted only when no live sequence waits, and preempted when one needs the room. */
    boolean background;
    /** Set by the scheduler when it ended this sequence to make room for live work. */
    volatile boolean preempted;
    private volatile boolean paused;
    /** Wakes the scheduler when a paused or waiting sequence changes state; set on submit. */
    volatile Runnable wake = () -> { };

    // generation
    private final GenerationParams params;
    private final TokenListener listener;
    private final int maxNew;
    private final Sampler sampler;
    /** Constrained decoding, or null. */
    private final GrammarMatcher grammar;
    private final Utf8Stream utf8 = new Utf8Stream();
    private final StopFilter stop;
    private final StringBuilder text = new StringBuilder();
    int generated;
    int nextToken = -1;
    private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();

    // embedding
    final int pooling;
    float[] pooled;
    final CompletableFuture<float[]> embedding;

    private Sequence(int[] prompt, int reserve, GenerationParams params, TokenListener listener, int maxNew,
                     int pooling, GrammarMatcher grammar) {
        this.prompt = prompt;
        this.reserve = reserve;
        this.history = Arrays.copyOf(prompt, Math.max(reserve, prompt.length));
        this.params = params;
        this.listener = listener == null ? (id, delta) -> { } : listener;
        this.maxNew = maxNew;
        this.sampler = params == null ? null : new Sampler(params);
        this.grammar = grammar;
        this.stop = new StopFilter(params == null ? java.util.List.of() : params.stop());
        this.pooling = pooling;
        this.embedding = pooling > 0 ? new CompletableFuture<>() : null;
    }

    /** {@code grammar}: the matcher of {@code params.grammar()} for this model, or null. */
    static Sequence generation(int[] prompt, GenerationParams params, TokenListener listener, int contextLength,
                               GrammarMatcher grammar) {
        int room = contextLength - prompt.length;
        int maxNew = params.maxTokens() > 0 ? Math.min(params.maxTokens(), room) : room;
        return new Sequence(prompt, prompt.length + maxNew, params, listener, maxNew, 0, grammar);
    }

    static Sequence embedding(int[] input, int pooling) {
        return new Sequence(input, input.length, null, null, 0, pooling, null);
    }

    boolean isEmbedding() {
        return pooling > 0;
    }

    /** Takes the blocks the pool gave at admission; the cached prefix counts as processed. */
    void start(KvCache.BlockTable blocks) {
        table = blocks;
        cachedTokens = blocks.cachedTokens();
        processed = cachedTokens;
    }

    boolean prefilling() {
        return processed < prompt.length;
    }

    boolean isCancelled() {
        return cancelled;
    }

    /** Whether the next step can advance it: prefill always, decode unless its reader is behind. */
    boolean runnable() {
        return prefilling() || !paused;
    }

    @Override
    public void cancel() {
        cancelled = true;
        wake.run();
    }

    @Override
    public void pause() {
        paused = true;
    }

    @Override
    public void resume() {
        paused = false;
        wake.run();
    }

    @Override
    public CompletableFuture<GenerationResult> result() {
        return result;
    }

    /**
     * Takes the token sampled from this step's logits: streams its text (the EOS token too, with the
     * held-back text flushed) and decides whether the sequence ends: returns the finish reason, or null
     * to go on. The caller frees the KV blocks, then calls {@link #finish}. With a grammar, only tokens
     * that keep the output valid are sampled, and a complete match ends the sequence ({@code STOP}).
     */
    FinishReason accept(float[] logits, int off, int vocab, int eos, Tokenizer tokenizer) {
        if (generated < params.minTokens() && eos >= 0 && eos < vocab) {
            logits[off + eos] = Float.NEGATIVE_INFINITY; // min_tokens: no end before it
        }
        if (grammar != null && !grammar.mask(logits, off)) {
            throw new GrammarException("grammar", "no token of the model's vocabulary continues the grammar");
        }
        int token = sampler.sample(logits, off, vocab);
        if (grammar != null) {
            grammar.accept(token);
        }
        if (token != eos && listener instanceof TokenLogprobs.Listener lp) {
            lp.onLogprobs(Logprobs.of(logits, off, vocab, token, Math.clamp(lp.topLogprobs(), 0, 20), tokenizer));
        }
        generated++;
        String delta = token == eos ? "" : stopStrings(utf8.push(tokenizer.pieceBytes(token, false)));
        FinishReason reason = null;
        if (token == eos || stop.stopped() || grammar != null && grammar.isComplete()) {
            reason = FinishReason.STOP;
        } else if (generated >= maxNew) {
            boolean byContext = params.maxTokens() <= 0 || params.maxTokens() > maxNew;
            reason = byContext ? FinishReason.MODEL_LENGTH : FinishReason.LENGTH;
        }
        if (reason != null) {
            delta += stopStrings(utf8.flush());
            delta += stop.flush();
        }
        text.append(delta);
        listener.onToken(token, delta);
        nextToken = token;
        return reason;
    }

    /**
     * Text through the stop strings. With a grammar they apply only in free text (a text reply): inside JSON or a
     * tool call the grammar alone decides where the value ends, so a stop string in a JSON string never cuts it.
     */
    private String stopStrings(String piece) {
        if (grammar == null || grammar.inFreeText()) {
            return stop.push(piece);
        }
        return stop.flush() + piece;
    }

    /** Completes the result, or the embedding (STOP = pooled vector ready), idempotently. */
    void finish(FinishReason reason, Throwable error) {
        if (embedding != null) {
            switch (reason) {
                case STOP -> embedding.complete(pooled);
                case ERROR -> embedding.completeExceptionally(error);
                default -> embedding.cancel(false);
            }
        } else if (!result.isDone()) {
            result.complete(new GenerationResult(prompt.length, generated, reason, text.toString(), error,
                    cachedTokens));
        }
    }
}
