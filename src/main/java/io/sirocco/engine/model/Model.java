package io.sirocco.engine.model;

import io.sirocco.engine.EngineException;
import io.sirocco.engine.gguf.GgufFile;
import io.sirocco.engine.tokenizer.Tokenizer;
import io.sirocco.engine.tokenizer.Vocabulary;

import java.nio.file.Path;

/** A loaded GGUF model: mapping, config, tokenizer and weight views. */
public final class Model implements AutoCloseable {
    public final GgufFile file;
    public final ModelConfig config;
    public final Tokenizer tokenizer;
    public final LlamaWeights weights;

    private Model(GgufFile file) {
        this.file = file;
        this.config = ModelConfig.from(file);
        this.tokenizer = new Tokenizer(Vocabulary.from(file));
        this.weights = new LlamaWeights(file, config, tokenizer.vocabulary().size());
    }

    public static Model load(Path path) {
        GgufFile f = GgufFile.open(path);
        try {
            return new Model(f);
        } catch (EngineException e) {
            f.close();
            throw e;
        } catch (RuntimeException e) {
            f.close();
            throw new EngineException(path + ": cannot load model: " + e.getMessage(), e);
        }
    }

    public int vocabSize() {
        return tokenizer.vocabulary().size();
    }

    @Override
    public void close() {
        file.close();
    }
}
