package io.sirocco.engine;

import java.util.List;

/**
 * Sampling parameters of one generation.
 *
 * @param temperature      0 means greedy (lowest token id wins ties)
 * @param topP             nucleus mass in (0, 1]
 * @param maxTokens        upper bound on generated tokens; also clamped by the context length
 * @param stop             stop strings; generation ends before the first occurrence and it is not emitted
 * @param randomSeed       seed of the sampler; null picks one at random
 * @param presencePenalty  subtracted once from the logit of every token already generated (OpenAI's rule)
 * @param frequencyPenalty subtracted from a token's logit once per time it was already generated
 * @param minTokens        the end-of-sequence token is not sampled before this many tokens
 * @param grammar          constrained decoding (JSON Schema, JSON mode, regex, …), or null for free text; with a
 *                         grammar, stop strings apply only where the grammar is in free text (a text reply, not JSON
 *                         or a tool call, whose end the grammar decides), and the generation stops once the grammar
 *                         is complete
 */
public record GenerationParams(float temperature, float topP, int maxTokens, List<String> stop, Long randomSeed,
                               float presencePenalty, float frequencyPenalty, int minTokens, OutputConstraint grammar) {
    public GenerationParams {
        stop = stop == null ? List.of() : List.copyOf(stop);
    }

    public GenerationParams(float temperature, float topP, int maxTokens, List<String> stop, Long randomSeed) {
        this(temperature, topP, maxTokens, stop, randomSeed, 0f, 0f, 0, null);
    }

    public GenerationParams(float temperature, float topP, int maxTokens, List<String> stop, Long randomSeed,
                            OutputConstraint grammar) {
        this(temperature, topP, maxTokens, stop, randomSeed, 0f, 0f, 0, grammar);
    }

    public static GenerationParams greedy(int maxTokens) {
        return new GenerationParams(0f, 1f, maxTokens, List.of(), 0L);
    }

    /** The same parameters with a grammar (null: none). */
    public GenerationParams withGrammar(OutputConstraint g) {
        return new GenerationParams(temperature, topP, maxTokens, stop, randomSeed, presencePenalty, frequencyPenalty,
                minTokens, g);
    }

    /** The same parameters with another seed (the choices of one request each get their own). */
    public GenerationParams withSeed(Long seed) {
        return new GenerationParams(temperature, topP, maxTokens, stop, seed, presencePenalty, frequencyPenalty,
                minTokens, grammar);
    }
}
