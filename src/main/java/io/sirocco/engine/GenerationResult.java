package io.sirocco.engine;

/**
 * The outcome of one generation.
 *
 * @param promptTokens     tokens of the prompt that were processed
 * @param completionTokens tokens generated (billed), including those of a matched stop string
 * @param finishReason     why it ended
 * @param text             the full emitted text (stop string excluded)
 * @param error            the failure when {@code finishReason == ERROR}, else null
 * @param cachedTokens     prompt tokens whose keys and values came from the prefix cache (not recomputed)
 */
public record GenerationResult(int promptTokens, int completionTokens, FinishReason finishReason, String text,
                               Throwable error, int cachedTokens) {
    public GenerationResult(int promptTokens, int completionTokens, FinishReason finishReason, String text,
                            Throwable error) {
        this(promptTokens, completionTokens, finishReason, text, error, 0);
    }
}
