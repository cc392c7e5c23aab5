package io.sirocco.gateway.dispatch;

import io.sirocco.engine.ChatMessage;
import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineException;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.EngineStats;
import io.sirocco.engine.FinishReason;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.ModelInfo;
import io.sirocco.engine.TokenListener;
import io.sirocco.engine.gguf.GgufFile;
import io.sirocco.engine.model.ModelConfig;
import io.sirocco.engine.ChatInput;
import io.sirocco.engine.TemplateCompiler;
import io.sirocco.engine.tokenizer.ChatEncoder;
import io.sirocco.engine.tokenizer.Tokenizer;
import io.sirocco.engine.tokenizer.Vocabulary;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A model as a gateway sees it: the tokenizer and the metadata read from the GGUF header (no weights are touched,
 * no KV cache is allocated), and generations run by workers through RabbitMQ. The gateway thus counts prompt tokens
 * exactly for rate limits and budgets before a request leaves it.
 */
public final class RemoteEngine implements Engine {
    private final String model;
    private final ModelInfo info;
    private final Tokenizer tokenizer;
    private final ChatEncoder chat;
    private final Supplier<Optional<Dispatcher>> dispatcher;
    private final Duration queueTimeout;
    private final int priority;

    private RemoteEngine(String model, ModelInfo info, Tokenizer tokenizer, ChatEncoder chat,
                         Supplier<Optional<Dispatcher>> dispatcher, Duration queueTimeout, int priority) {
        this.model = model;
        this.info = info;
        this.tokenizer = tokenizer;
        this.chat = chat;
        this.dispatcher = dispatcher;
        this.queueTimeout = queueTimeout;
        this.priority = priority;
    }

    /** The same model, publishing its requests with another queue priority (0 lowest, 9 highest). */
    public RemoteEngine withPriority(int queuePriority) {
        return queuePriority == priority ? this
                : new RemoteEngine(model, info, tokenizer, chat, dispatcher, queueTimeout, queuePriority);
    }

    /** The queue priority of this view's requests. */
    public int priority() {
        return priority;
    }

    /**
     * Reads the header of {@code gguf} (vocabulary, chat template, context length) and closes the file again. A
     * vocab-only file (tokenizer keys, no tensors) serves as well: its context is the architecture's
     * {@code context_length} key when present, else the configured cap.
     */
    public static RemoteEngine open(String model, Path gguf, EngineOptions options, Supplier<Optional<Dispatcher>> dispatcher,
                                    Duration queueTimeout, int priority, TemplateCompiler templates) {
        try (GgufFile f = GgufFile.open(gguf)) {
            Vocabulary vocab = Vocabulary.from(f);
            ModelInfo info;
            if (f.tensors().isEmpty()) {
                String arch = f.getString("general.architecture", "llama");
                int fileCtx = f.getInt(arch + ".context_length", options.maxContext() > 0 ? options.maxContext() : 4096);
                int ctx = options.maxContext() > 0 ? Math.min(options.maxContext(), fileCtx) : fileCtx;
                info = new ModelInfo(f.getString("general.name", model), ctx, f.getInt(arch + ".embedding_length", 0),
                        vocab.size(), f.getInt(arch + ".expert_count", 0), f.getInt(arch + ".expert_used_count", 0),
                        f.fileSize());
            } else {
                ModelConfig c = ModelConfig.from(f);
                int ctx = options.maxContext() > 0 ? Math.min(options.maxContext(), c.contextLength()) : c.contextLength();
                info = new ModelInfo(c.name(), ctx, c.nEmbd(), vocab.size(), c.nExpert(), c.nExpertUsed(), f.fileSize());
            }
            Tokenizer tokenizer = new Tokenizer(vocab);
            return new RemoteEngine(model, info, tokenizer, ChatEncoder.of(tokenizer, templates, gguf), dispatcher,
                    queueTimeout, priority);
        }
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public int[] tokenize(String text, boolean addBos) {
        return tokenizer.encode(text, addBos);
    }

    @Override
    public String detokenize(int[] ids) {
        return tokenizer.decode(ids);
    }

    @Override
    public int[] encodeChat(List<ChatMessage> messages, boolean safePrompt) {
        return chat.encode(messages, safePrompt);
    }

    @Override
    public int[] encodeChat(ChatInput input) {
        return chat.encode(input);
    }

    @Override
    public Generation generate(int[] promptTokens, GenerationParams params, TokenListener listener) {
        if (promptTokens.length >= info.contextLength()) {
            throw new EngineException("the prompt (" + promptTokens.length + " tokens) does not fit the context of "
                    + info.contextLength() + " tokens");
        }
        Dispatcher d = dispatcher.get().orElseThrow(() -> new EngineException("RabbitMQ is unavailable: no worker can be reached"));
        StringBuilder text = new StringBuilder();
        TokenListener collecting = (id, delta) -> {
            synchronized (text) {
                text.append(delta);
            }
            listener.onToken(id, delta);
        };
        Wire.Request request = Wire.Request.generate(UUID.randomUUID().toString(), model, promptTokens, params);
        RemoteCall call;
        try {
            call = d.submit(request, priority, queueTimeout, collecting);
        } catch (IOException e) {
            throw new EngineException(e.getMessage(), e);
        }
        CompletableFuture<GenerationResult> result = call.result().thenApply(r -> {
            String all;
            synchronized (text) {
                all = text.toString();
            }
            return toResult(r, promptTokens.length, all);
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
        };
    }

    static GenerationResult toResult(RemoteResult r, int promptTokens, String text) {
        int prompt = r.promptTokens() > 0 ? r.promptTokens() : promptTokens;
        return switch (r.outcome()) {
            case COMPLETED -> new GenerationResult(prompt, r.completionTokens(), r.finishReason(), text,
                    r.error() == null ? null : new EngineException(r.error()), r.cachedTokens());
            case CANCELLED -> new GenerationResult(prompt, r.completionTokens(), FinishReason.CANCELLED, text, null);
            case QUEUE_TIMEOUT, WORKER_LOST, REJECTED -> new GenerationResult(prompt, r.completionTokens(),
                    FinishReason.ERROR, text, new DispatchException(r.outcome(), r.error()));
        };
    }

    /** Runs on a worker; blocks until its vectors arrive (or the queue timeout / a lost worker ends it). */
    @Override
    public float[][] embed(List<int[]> inputs) {
        Dispatcher d = dispatcher.get().orElseThrow(() -> new EngineException("RabbitMQ is unavailable: no worker can be reached"));
        RemoteCall call;
        try {
            call = d.submit(Wire.Request.embed(UUID.randomUUID().toString(), model, inputs), priority, queueTimeout,
                    (id, delta) -> { });
        } catch (IOException e) {
            throw new EngineException(e.getMessage(), e);
        }
        RemoteResult r;
        try {
            r = call.result().get();
        } catch (InterruptedException e) {
            call.cancel();
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while waiting for embeddings");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new EngineException("embedding dispatch failed: " + e.getCause().getMessage(), e.getCause());
        }
        if (r.outcome() == RemoteResult.Outcome.COMPLETED && r.vectors() != null) {
            return r.vectors();
        }
        throw new DispatchException(r.outcome(), r.error() == null ? r.outcome().name() : r.error());
    }

    /** This gateway's requests for the model: waiting in RabbitMQ, and running on workers (feeds the queue-depth metric). */
    @Override
    public EngineStats stats() {
        int[] load = dispatcher.get().map(d -> d.load(model)).orElse(new int[]{0, 0});
        return new EngineStats(load[1], load[0], 0, 0, new long[0]);
    }

    @Override
    public void close() {
        // nothing held: the file was closed after reading its header
    }
}
