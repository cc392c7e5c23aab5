package io.sirocco.engine.runtime;

import io.sirocco.engine.ChatMessage;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.ModelInfo;
import io.sirocco.engine.ModelText;
import io.sirocco.engine.gguf.GgufFile;
import io.sirocco.engine.model.KvCache;
import io.sirocco.engine.model.ModelConfig;
import io.sirocco.engine.tokenizer.ChatTemplate;
import io.sirocco.engine.tokenizer.Tokenizer;
import io.sirocco.engine.tokenizer.Vocabulary;

import java.nio.file.Path;
import java.util.List;

/**
 * A model's facts and tokenizer, derived once from its GGUF header and the engine options: the local engine serves
 * through one, and a scale-out gateway reads one with {@link #readHeader} (no weights touched, no KV cache allocated).
 */
public final class TextModel implements ModelText {
    private final ModelInfo info;
    private final Tokenizer tokenizer;
    private final ChatTemplate chat;

    TextModel(ModelConfig config, Tokenizer tokenizer, long fileBytes, EngineOptions o) {
        int ctx = o.maxContext() > 0 ? Math.min(o.maxContext(), config.contextLength()) : config.contextLength();
        this.info = new ModelInfo(config.name(), ctx, config.nEmbd(), tokenizer.vocabulary().size(), config.nExpert(),
                config.nExpertUsed(), fileBytes, kvPositions(o, ctx), maxTokenBytes(tokenizer));
        this.tokenizer = tokenizer;
        this.chat = new ChatTemplate(tokenizer);
    }

    /** Reads the header of {@code gguf} (configuration, vocabulary) and closes the file again. */
    public static ModelText readHeader(Path gguf, EngineOptions options) {
        try (GgufFile f = GgufFile.open(gguf)) {
            return new TextModel(ModelConfig.from(f), new Tokenizer(Vocabulary.from(f)), f.fileSize(), options);
        }
    }

    /** The KV pool's positions: the configured tokens (else the context), rounded up to whole blocks. */
    private static int kvPositions(EngineOptions o, int ctx) {
        int tokens = o.kvCacheTokens() > 0 ? o.kvCacheTokens() : ctx;
        return Math.max(1, KvCache.blocksFor(tokens)) * KvCache.BLOCK;
    }

    /** The longest text one token stands for; at least 4 (an unknown character becomes one token). */
    private static int maxTokenBytes(Tokenizer tokenizer) {
        int max = 4;
        for (int id = 0; id < tokenizer.vocabulary().size(); id++) {
            max = Math.max(max, tokenizer.pieceBytes(id, false).length);
        }
        return max;
    }

    Tokenizer tokenizer() {
        return tokenizer;
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
}
