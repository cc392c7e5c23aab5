package io.sirocco.engine;

import static io.sirocco.engine.EngineException.Kind.CONTEXT_EXCEEDED;
import static io.sirocco.engine.EngineException.Kind.KV_EXCEEDED;

/**
 * What a loaded model is, and the admission rules that follow from it (the one place they live).
 *
 * @param name            general.name from the file
 * @param contextLength   maximum positions (llama.context_length, possibly capped by options)
 * @param embeddingLength n_embd: the size of an embedding vector
 * @param vocabSize       vocabulary size
 * @param expertCount     0 for a dense model
 * @param expertUsedCount experts per token, 0 for a dense model
 * @param fileBytes       size of the GGUF file
 * @param kvCacheTokens   token positions in the KV-cache pool (what one sequence can hold at most)
 * @param maxTokenBytes   the most UTF-8 bytes one token stands for: a text of more than
 *                        {@code contextLength × maxTokenBytes} bytes cannot fit the context, whatever its tokens
 */
public record ModelInfo(String name, int contextLength, int embeddingLength, int vocabSize, int expertCount,
                        int expertUsedCount, long fileBytes, int kvCacheTokens, int maxTokenBytes) {

    /** Facts of a model without KV pool or vocabulary bounds (test doubles): the pool is the context, 4 bytes a token. */
    public ModelInfo(String name, int contextLength, int embeddingLength, int vocabSize, int expertCount,
                     int expertUsedCount, long fileBytes) {
        this(name, contextLength, embeddingLength, vocabSize, expertCount, expertUsedCount, fileBytes, contextLength, 4);
    }

    /**
     * Refuses a text on its length alone when it cannot fit the context: {@code chars} UTF-16 units are at least
     * that many UTF-8 bytes, and every token covers at most {@link #maxTokenBytes} of them.
     */
    public void checkTextLength(long chars) {
        if (chars > (long) contextLength * maxTokenBytes) {
            throw new EngineException(CONTEXT_EXCEEDED, "the text is " + chars + " characters, more than the "
                    + contextLength + "-token context of " + name + " can hold");
        }
    }

    /**
     * The most tokens a generation may produce after {@code promptTokens}: the caller's {@code maxTokens} (0 = as many
     * as fit), clamped to the context. Refuses a prompt that fills the context, and a prompt plus max_tokens that
     * could never fit the KV pool.
     */
    public int generationBudget(int promptTokens, int maxTokens) {
        if (promptTokens >= contextLength) {
            throw new EngineException(CONTEXT_EXCEEDED, "the prompt is " + promptTokens + " tokens; " + name
                    + " accepts at most " + (contextLength - 1) + " prompt tokens");
        }
        int room = contextLength - promptTokens;
        int pool = kvCacheTokens - promptTokens;
        if (maxTokens <= 0) {
            if (pool < 1) {
                throw kvExceeded();
            }
            return Math.min(room, pool);
        }
        int budget = Math.min(maxTokens, room);
        if (budget > pool) {
            throw kvExceeded();
        }
        return budget;
    }

    /** Refuses an embedding input longer than the context or the KV pool. */
    public void checkEmbeddingInput(int tokens) {
        if (tokens > contextLength) {
            throw new EngineException(CONTEXT_EXCEEDED, "the input is " + tokens + " tokens; " + name
                    + " accepts at most " + contextLength);
        }
        if (tokens > kvCacheTokens) {
            throw new EngineException(KV_EXCEEDED, "the input is " + tokens + " tokens; this server embeds at most "
                    + kvCacheTokens);
        }
    }

    private EngineException kvExceeded() {
        return new EngineException(KV_EXCEEDED, "prompt + max_tokens must stay within " + kvCacheTokens
                + " tokens on this server; lower max_tokens");
    }
}
