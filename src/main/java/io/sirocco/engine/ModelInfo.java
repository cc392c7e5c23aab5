package io.sirocco.engine;

/**
 * What a loaded model is.
 *
 * @param name            general.name from the file
 * @param contextLength   maximum positions (llama.context_length, possibly capped by options)
 * @param embeddingLength n_embd: the size of an embedding vector
 * @param vocabSize       vocabulary size
 * @param expertCount     0 for a dense model
 * @param expertUsedCount experts per token, 0 for a dense model
 * @param fileBytes       size of the GGUF file
 */
public record ModelInfo(String name, int contextLength, int embeddingLength, int vocabSize, int expertCount,
                        int expertUsedCount, long fileBytes) {
}
