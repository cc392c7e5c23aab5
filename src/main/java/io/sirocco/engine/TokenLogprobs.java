package io.sirocco.engine;

import java.util.List;

/**
 * The log-probability of one generated token under the distribution it was sampled from (after penalties and any
 * grammar mask, before temperature), with the most likely alternatives.
 *
 * @param bytes the token's UTF-8 bytes (a piece may be part of a character)
 * @param top   up to the requested number of most likely tokens, most likely first
 */
public record TokenLogprobs(int tokenId, byte[] bytes, float logprob, List<TokenLogprobs> top) {

    /** A {@link TokenListener} that also wants each token's log-probabilities (called before its {@code onToken}). */
    public interface Listener extends TokenListener {
        /** How many alternatives to list per token, 0 – 20. */
        int topLogprobs();

        void onLogprobs(TokenLogprobs logprobs);
    }
}
