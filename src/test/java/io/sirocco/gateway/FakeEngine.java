package io.sirocco.gateway;

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

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A deterministic stand-in engine for the queueing and cancellation tests: one decode step every
 * {@link #stepMillis} ms for all running sequences (as a batching engine does), steps stop while {@link #paused},
 * and each running sequence holds one KV block until it ends, so a test can see cancellation free it.
 */
final class FakeEngine implements Engine {
    static volatile long stepMillis = 5;
    static volatile boolean paused;
    /** Text a generation emits, one word per token, then it stops (finish_reason stop). */
    static final String[] WORDS = {"Sirocco ", "is ", "a ", "warm ", "wind ", "from ", "the ", "Sahara."};

    private final ModelInfo info;
    private final List<Seq> running = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService stepper;

    FakeEngine(String id, int contextLength, int embeddingLength) {
        this.info = new ModelInfo("fake " + id, contextLength, embeddingLength, 256, 0, 0, 0);
        this.stepper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fake-engine-" + id);
            t.setDaemon(true);
            return t;
        });
        stepper.scheduleWithFixedDelay(this::step, 1, 1, TimeUnit.MILLISECONDS);
    }

    private final class Seq implements Generation {
        final int promptTokens;
        final GenerationParams params;
        final TokenListener listener;
        final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
        final StringBuilder text = new StringBuilder();
        volatile boolean cancelled;
        int produced;
        long lastStep;

        Seq(int promptTokens, GenerationParams params, TokenListener listener) {
            this.promptTokens = promptTokens;
            this.params = params;
            this.listener = listener;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public CompletableFuture<GenerationResult> result() {
            return result;
        }

        void finish(FinishReason reason) {
            running.remove(this);
            result.complete(new GenerationResult(promptTokens, produced, reason, text.toString(), null));
        }
    }

    private void step() {
        if (paused) {
            return;
        }
        embedStep();
        long now = System.nanoTime();
        for (Seq s : running) {
            if (s.cancelled) {
                s.finish(FinishReason.CANCELLED);
                continue;
            }
            if (now - s.lastStep < stepMillis * 1_000_000) {
                continue;
            }
            s.lastStep = now;
            if (s.promptTokens + s.produced >= info.contextLength()) {
                s.finish(FinishReason.MODEL_LENGTH);
                continue;
            }
            String word = WORDS[s.produced % WORDS.length];
            s.produced++;
            String stop = s.params.stop().stream().filter(word::contains).findFirst().orElse(null);
            if (stop != null) {
                String before = word.substring(0, word.indexOf(stop));
                s.text.append(before);
                s.listener.onToken(s.produced, before);
                s.finish(FinishReason.STOP);
                continue;
            }
            s.text.append(word);
            s.listener.onToken(s.produced, word);
            if (s.produced >= s.params.maxTokens()) {
                s.finish(FinishReason.LENGTH);
            } else if (s.produced == WORDS.length) {
                s.finish(FinishReason.STOP);
            }
        }
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public int[] tokenize(String text, boolean addBos) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length + (addBos ? 1 : 0)];
        int o = 0;
        if (addBos) {
            ids[o++] = 1;
        }
        for (byte b : bytes) {
            ids[o++] = 3 + (b & 0xff);
        }
        return ids;
    }

    @Override
    public String detokenize(int[] ids) {
        return "";
    }

    @Override
    public int[] encodeChat(List<ChatMessage> messages, boolean safePrompt) {
        if ("assistant".equals(messages.getLast().role())) {
            throw new EngineException("the last message must be from the user");
        }
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            sb.append("[INST] ").append(m.content()).append(" [/INST]");
        }
        return tokenize(sb.toString(), true);
    }

    @Override
    public Generation generate(int[] promptTokens, GenerationParams params, TokenListener listener) {
        Seq s = new Seq(promptTokens.length, params, listener);
        running.add(s);
        return s;
    }

    /** A unit vector from the input's length, one input per step; while paused, it waits like a generation does. */
    @Override
    public CompletableFuture<float[]> embed(int[] input) {
        CompletableFuture<float[]> out = new CompletableFuture<>();
        embedding.add(new Embedding(input, out));
        return out;
    }

    private record Embedding(int[] input, CompletableFuture<float[]> out) {
    }

    private final List<Embedding> embedding = new CopyOnWriteArrayList<>();

    private long lastEmbed;

    /** One input per step, like a busy engine; cancelled ones are dropped. */
    private void embedStep() {
        long now = System.nanoTime();
        if (now - lastEmbed < stepMillis * 1_000_000) {
            return;
        }
        lastEmbed = now;
        embedding.removeIf(e -> e.out().isCancelled());
        for (Embedding e : embedding) {
            embedding.remove(e);
            float[] v = new float[info.embeddingLength()];
            double norm = 0;
            for (int d = 0; d < v.length; d++) {
                v[d] = (float) Math.sin(e.input().length * 0.37 + d);
                norm += v[d] * v[d];
            }
            for (int d = 0; d < v.length; d++) {
                v[d] /= (float) Math.sqrt(norm);
            }
            e.out().complete(v);
            return;
        }
    }

    /** Embedding inputs submitted and neither computed nor cancelled. */
    int pendingEmbeddings() {
        return embedding.size();
    }

    @Override
    public EngineStats stats() {
        return new EngineStats(running.size(), 0, running.size(), 64, new long[0]);
    }

    @Override
    public void close() {
        stepper.shutdownNow();
    }
}
