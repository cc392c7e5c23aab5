package io.sirocco.engine.runtime;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineException;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.EngineStats;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.ModelInfo;
import io.sirocco.engine.ModelText;
import io.sirocco.engine.TokenListener;
import io.sirocco.engine.kernels.Kernels;
import io.sirocco.engine.kernels.MatMul;
import io.sirocco.engine.kernels.KernelThreads;
import io.sirocco.engine.model.KvCache;
import io.sirocco.engine.model.Model;
import io.sirocco.engine.model.Transformer;
import io.sirocco.engine.TemplateCompiler;
import io.sirocco.engine.tokenizer.ChatEncoder;
import io.sirocco.engine.grammar.Grammar;
import io.sirocco.engine.grammar.TokenTrie;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The in-process engine: a mapped model, a kernel thread pool, a KV-cache pool and a scheduler thread.
 *
 * <p>Requests that can never be served are refused at once with an {@link EngineException} from
 * {@link #generate} / {@link #embed}: an empty prompt, a token id outside the vocabulary, a prompt that
 * fills the whole context (no room for one generated token), or one needing more KV positions than the
 * pool holds. Reaching the context while generating ends with {@code MODEL_LENGTH}.
 */
public final class LocalEngine implements Engine, ModelText.Delegating {
    private final Model model;
    private final TextModel text;
    private final ModelInfo info;
    private final KernelThreads pool;
    private final KvCache kv;
    private final Transformer transformer;
    private final Scheduler scheduler;
    private final Thread thread;
    private final String kernelName;
    private final Engine background = new Background();
    private volatile TokenTrie tokenTrie;

    private LocalEngine(Model model, EngineOptions o, ChatEncoder chat) {
        this.model = model;
        this.text = TextModel.of(model.config, model.tokenizer, model.file, o, chat);
        this.info = text.info();
        this.pool = new KernelThreads(o.threads());
        Kernels kernels = Kernels.best(o.useNative());
        this.kernelName = kernels.name();
        this.kv = new KvCache(model.config.nLayer(), model.config.kvDim(), info.kvCacheTokens(),
                o.prefixCacheTokens(), model.config.name() + "/" + model.file.fileSize());
        this.transformer = new Transformer(model.config, model.weights, new MatMul(kernels, pool), kv, model.vocabSize());
        this.scheduler = new Scheduler(transformer, kv, model.tokenizer, o.maxSequences(), o.backgroundPerStep());
        this.thread = new Thread(scheduler, "sirocco-scheduler-" + model.config.name());
        thread.setDaemon(true);
        thread.start();
    }

    /** Maps the GGUF file and starts the scheduler. Throws {@link EngineException} naming the file and the problem. */
    public static Engine open(Path gguf, EngineOptions options) {
        return open(gguf, options, null);
    }

    /**
     * As {@link #open(Path, EngineOptions)}; with a {@code templates} compiler (Jinja, from outside the engine) the
     * file's own {@code tokenizer.chat_template} is used for chats. A template that does not compile fails the load.
     */
    public static Engine open(Path gguf, EngineOptions options, TemplateCompiler templates) {
        Model m = Model.load(gguf);
        ChatEncoder chat;
        try {
            chat = ChatEncoder.of(m.tokenizer, templates, gguf);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        try {
            return new LocalEngine(m, options == null ? EngineOptions.defaults() : options, chat);
        } catch (RuntimeException | OutOfMemoryError e) {
            m.close();
            throw new EngineException(gguf + ": cannot start engine: " + e.getMessage(), e);
        }
    }

    /** The model's facts, tokenizer and templates. */
    @Override
    public ModelText text() {
        return text;
    }

    /** Which kernel implementation runs (e.g. native-avx2 or java-vector). */
    public String kernelName() {
        return kernelName;
    }

    @Override
    public Generation generate(int[] promptTokens, GenerationParams params, TokenListener listener) {
        return generate(promptTokens, params, listener, false);
    }

    private Generation generate(int[] promptTokens, GenerationParams params, TokenListener listener,
                                boolean background) {
        int[] prompt = checkInput(promptTokens);
        GenerationParams p = params == null ? GenerationParams.greedy(0) : params;
        info.generationBudget(prompt.length, p.maxTokens() > 0 ? p.maxTokens() : Integer.MAX_VALUE);
        Function<TokenListener, Sequence> attempt = l -> Sequence.generation(prompt, p, l, info.contextLength(),
                p.grammar() == null ? null : ((Grammar) p.grammar()).matcher(tokenTrie()));
        if (background) {
            BackgroundGeneration g = new BackgroundGeneration(scheduler, listener, attempt);
            g.start();
            return g;
        }
        Sequence s = attempt.apply(listener);
        scheduler.submit(s);
        return s;
    }

    /** The vocabulary as a byte trie for constrained decoding, built at the first grammar. */
    private TokenTrie tokenTrie() {
        TokenTrie t = tokenTrie;
        if (t == null) {
            synchronized (this) {
                if (tokenTrie == null) {
                    tokenTrie = TokenTrie.of(model.tokenizer);
                }
                t = tokenTrie;
            }
        }
        return t;
    }

    @Override
    public CompletableFuture<float[]> embed(int[] input) {
        return embed(input, false);
    }

    private CompletableFuture<float[]> embed(int[] input, boolean background) {
        int[] in = checkInput(input);
        info.checkEmbeddingInput(in.length);
        Sequence s = Sequence.embedding(in, model.config.pooling());
        s.background = background;
        s.embedding.whenComplete((v, e) -> {
            if (s.embedding.isCancelled()) {
                s.cancel();
            }
        });
        scheduler.submit(s);
        return s.embedding;
    }

    @Override
    public Engine background() {
        return background;
    }

    /** This engine for background work: the scheduler's background queue; everything else is the engine's. */
    private final class Background implements Engine, ModelText.Delegating {
        @Override
        public ModelText text() {
            return LocalEngine.this;
        }

        @Override
        public Generation generate(int[] promptTokens, GenerationParams params, TokenListener listener) {
            return LocalEngine.this.generate(promptTokens, params, listener, true);
        }

        @Override
        public CompletableFuture<float[]> embed(int[] input) {
            return LocalEngine.this.embed(input, true);
        }

        @Override
        public Engine background() {
            return this;
        }

        @Override
        public EngineStats stats() {
            return LocalEngine.this.stats();
        }

        @Override
        public void close() {
            // the engine's owner closes it
        }
    }

    private int[] checkInput(int[] tokens) {
        if (tokens == null || tokens.length == 0) {
            throw new EngineException("empty input: at least one token is needed");
        }
        for (int t : tokens) {
            if (t < 0 || t >= model.vocabSize()) {
                throw new EngineException(EngineException.Kind.INVALID_INPUT, "token id " + t + " is outside the vocabulary of " + model.vocabSize());
            }
        }
        return tokens.clone();
    }

    /** Prompt tokens served from the prefix cache over prompt tokens admitted, since load. */
    public double prefixHitRate() {
        return kv.hitRate();
    }

    /** Checks the KV pool's books when no sequence runs (tests): nothing held, everything free or cached. */
    void checkKvCache() {
        kv.checkInvariants(List.of());
    }

    @Override
    public EngineStats stats() {
        return new EngineStats(scheduler.runningCount(), scheduler.waitingCount(), kv.totalBlocks() - kv.freeBlocks(),
                kv.totalBlocks(), transformer.expertCounts());
    }

    @Override
    public void close() {
        scheduler.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.close();
        if (!thread.isAlive()) {
            model.close(); // unmap only when no step can still read the weights
        }
    }
}
