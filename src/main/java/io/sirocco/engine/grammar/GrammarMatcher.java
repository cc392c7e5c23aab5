package io.sirocco.engine.grammar;

/**
 * One sequence's position in a grammar, over one model's vocabulary. Per step: {@link #mask} the logits
 * (disallowed tokens become -inf, EOS only where the text is complete), sample, then {@link #accept} the
 * token. Not thread-safe (one per sequence); the masks and transitions it uses are shared.
 */
public final class GrammarMatcher {
    private final Binding binding;
    private Pda.State state;

    GrammarMatcher(Binding binding) {
        this.binding = binding;
        this.state = binding.pda.initial;
    }

    /**
     * Sets every token the grammar does not allow next to -inf in {@code logits[off .. off+vocab)}.
     * Returns false when no token at all is allowed (the vocabulary cannot continue this grammar).
     */
    public boolean mask(float[] logits, int off) {
        long[] m = binding.mask(state);
        int v = binding.trie.vocabSize;
        boolean any = false;
        for (int w = 0; w < m.length; w++) {
            long bits = m[w];
            any |= bits != 0;
            if (bits == -1L) {
                continue;
            }
            int base = w << 6;
            int end = Math.min(64, v - base);
            for (int k = 0; k < end; k++) {
                if ((bits >>> k & 1) == 0) {
                    logits[off + base + k] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        return any;
    }

    /** Whether {@code token} may come next. */
    public boolean allows(int token) {
        long[] m = binding.mask(state);
        return (m[token >> 6] >>> (token & 63) & 1) != 0;
    }

    /** Whether the token's bytes lead to a live state, computed directly (not through the mask): for tests. */
    boolean reaches(int token) {
        return binding.advance(state, token) != binding.pda.dead;
    }

    /** Advances past a token; throws {@link GrammarException} if the grammar does not allow it. */
    public void accept(int token) {
        Pda.State next = binding.advance(state, token);
        if (next == binding.pda.dead) {
            throw new GrammarException("grammar", "token " + token + " does not continue the grammar");
        }
        state = next;
    }

    /** The text so far is a complete match (EOS is allowed). */
    public boolean canEnd() {
        return state.accepting;
    }

    /**
     * In free text: the output so far is a full match and stays one whatever text follows (a text reply, as
     * opposed to JSON or a tool call). Stop strings apply here and only here, since cutting there leaves a match.
     */
    public boolean inFreeText() {
        return binding.pda.freeText(state);
    }

    /** Complete, and nothing may follow: the generation can stop without sampling EOS. */
    public boolean isComplete() {
        return state.complete();
    }
}
