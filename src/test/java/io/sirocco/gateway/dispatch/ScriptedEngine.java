package io.sirocco.gateway.dispatch;

import io.sirocco.engine.ChatMessage;
import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineException;
import io.sirocco.engine.EngineStats;
import io.sirocco.engine.FinishReason;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.ModelInfo;
import io.sirocco.engine.TokenListener;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in engine for the transport tests: it "generates" {@code max_tokens} tokens (id = position, text
 * "t&lt;n&gt; "), one every {@code tokenMillis}, after a {@code prefillMillis} pause; a negative prefill never
 * starts. Prompts are encoded one token per word. It records what it was asked to run.
 */
final class ScriptedEngine implements Engine {
    final long prefillMillis;
    final long tokenMillis;
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    final AtomicInteger cancelled = new AtomicInteger();
    /** The first prompt token of each generation, in start order (tests put a marker there). */
    final Queue<Integer> started = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("scripted-engine").daemon().factory());

    ScriptedEngine(long prefillMillis, long tokenMillis) {
        this.prefillMillis = prefillMillis;
        this.tokenMillis = tokenMillis;
    }

    @Override
    public int[] encodeChat(List<ChatMessage> messages, boolean safePrompt) {
        if (messages.isEmpty() || !"user".equals(messages.getLast().role())) {
            throw new EngineException("the last message must be from the user");
        }
        return encode(String.join(" ", messages.stream().map(ChatMessage::content).toList()));
    }

    /** BOS + one token per word. */
    static int[] encode(String text) {
        String all = text.trim();
        int words = all.isEmpty() ? 0 : all.split("\\s+").length;
        return java.util.stream.IntStream.rangeClosed(1, words + 1).toArray();
    }

    @Override
    public Generation generate(int[] prompt, GenerationParams params, TokenListener listener) {
        int now = running.incrementAndGet();
        maxRunning.accumulateAndGet(now, Math::max);
        started.add(prompt.length == 0 ? -1 : prompt[0]);
        return new Run(prompt.length, params.maxTokens(), listener);
    }

    private final class Run implements Generation {
        final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
        final int promptTokens;
        final int maxTokens;
        final TokenListener listener;
        int produced;
        ScheduledFuture<?> next;
        boolean paused;
        boolean parked;

        Run(int promptTokens, int maxTokens, TokenListener listener) {
            this.promptTokens = promptTokens;
            this.maxTokens = maxTokens;
            this.listener = listener;
            if (prefillMillis >= 0) {
                schedule(prefillMillis);
            }
        }

        private synchronized void schedule(long delay) {
            next = clock.schedule(this::step, delay, TimeUnit.MILLISECONDS);
        }

        private synchronized void step() {
            if (result.isDone()) {
                return;
            }
            if (paused) {
                parked = true;
                return;
            }
            if (produced == maxTokens) {
                end(FinishReason.LENGTH);
                return;
            }
            produced++;
            listener.onToken(produced, "t" + produced + " ");
            schedule(tokenMillis);
        }

        /** Under this run's monitor; counts the run as ended before its result wakes anyone (as a real engine frees its slot). */
        private void end(FinishReason reason) {
            if (!result.isDone()) {
                running.decrementAndGet();
                result.complete(new GenerationResult(promptTokens, produced, reason, "", null));
            }
        }

        @Override
        public synchronized void pause() {
            paused = true;
        }

        @Override
        public synchronized void resume() {
            paused = false;
            if (parked) {
                parked = false;
                schedule(tokenMillis);
            }
        }

        @Override
        public synchronized void cancel() {
            if (!result.isDone()) {
                cancelled.incrementAndGet();
                if (next != null) {
                    next.cancel(false);
                }
                end(FinishReason.CANCELLED);
            }
        }

        @Override
        public CompletableFuture<GenerationResult> result() {
            return result;
        }
    }

    @Override
    public ModelInfo info() {
        return new ModelInfo("scripted", 4096, 8, 100, 0, 0, 0);
    }

    @Override
    public int[] tokenize(String text, boolean addBos) {
        throw new UnsupportedOperationException();
    }

    @Override
    public String detokenize(int[] ids) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<float[]> embed(int[] in) {
        return CompletableFuture.completedFuture(new float[]{in.length, in.length == 0 ? 0 : in[0]});
    }

    @Override
    public EngineStats stats() {
        return new EngineStats(running.get(), 0, 0, 0, new long[0]);
    }

    @Override
    public void close() {
        clock.shutdownNow();
    }
}
