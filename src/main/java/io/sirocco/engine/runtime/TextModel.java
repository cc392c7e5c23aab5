package io.sirocco.engine.runtime;

import io.sirocco.engine.ChatInput;
import io.sirocco.engine.ChatMessage;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.ModelInfo;
import io.sirocco.engine.ModelText;
import io.sirocco.engine.TemplateCompiler;
import io.sirocco.engine.gguf.GgufFile;
import io.sirocco.engine.model.KvCache;
import io.sirocco.engine.model.ModelConfig;
import io.sirocco.engine.tokenizer.ChatEncoder;
import io.sirocco.engine.tokenizer.FimTemplate;
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
    private final ChatEncoder chat;
    /** Fill-in-the-middle prompts, or null when the model has no FIM tokens. */
    private final FimTemplate fim;

    private TextModel(ModelInfo info, Tokenizer tokenizer, ChatEncoder chat, FimTemplate fim) {
        this.info = info;
        this.tokenizer = tokenizer;
        this.chat = chat;
        this.fim = fim;
    }

    /** The text side of a loaded model. */
    static TextModel of(ModelConfig c, Tokenizer tokenizer, GgufFile file, EngineOptions o, ChatEncoder chat) {
        return new TextModel(info(c.name(), c.contextLength(), c.nEmbd(), c.nExpert(), c.nExpertUsed(),
                file.fileSize(), tokenizer, o), tokenizer, chat, FimTemplate.of(tokenizer, file));
    }

    /**
     * Reads the header of {@code gguf} (configuration, vocabulary, chat template with {@code templates}) and closes
     * the file again. A vocab-only file (tokenizer keys, no tensors) serves as well: its context is the architecture's
     * {@code context_length} key when present, else the configured cap.
     */
    public static ModelText readHeader(Path gguf, EngineOptions o, TemplateCompiler templates) {
        try (GgufFile f = GgufFile.open(gguf)) {
            Tokenizer tokenizer = new Tokenizer(Vocabulary.from(f));
            ChatEncoder chat = ChatEncoder.of(tokenizer, templates, gguf);
            if (!f.tensors().isEmpty()) {
                return of(ModelConfig.from(f), tokenizer, f, o, chat);
            }
            String arch = f.getString("general.architecture", "llama");
            return new TextModel(info(f.getString("general.name", gguf.getFileName().toString()),
                    f.getInt(arch + ".context_length", o.maxContext() > 0 ? o.maxContext() : 4096),
                    f.getInt(arch + ".embedding_length", 0), f.getInt(arch + ".expert_count", 0),
                    f.getInt(arch + ".expert_used_count", 0), f.fileSize(), tokenizer, o), tokenizer, chat,
                    FimTemplate.of(tokenizer, f));
        }
    }

    private static ModelInfo info(String name, int fileContext, int nEmbd, int nExpert, int nExpertUsed, long fileBytes,
                                  Tokenizer tokenizer, EngineOptions o) {
        int ctx = o.maxContext() > 0 ? Math.min(o.maxContext(), fileContext) : fileContext;
        return new ModelInfo(name, ctx, nEmbd, tokenizer.vocabulary().size(), nExpert, nExpertUsed, fileBytes,
                kvPositions(o, ctx), maxTokenBytes(tokenizer));
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
    public boolean rendersToolTokens() {
        return chat.rendersToolTokens();
    }

    @Override
    public boolean supportsFim() {
        return fim != null;
    }

    @Override
    public int[] encodeFim(String prefix, String suffix) {
        return fim == null ? ModelText.super.encodeFim(prefix, suffix) : fim.encode(prefix, suffix);
    }
}
