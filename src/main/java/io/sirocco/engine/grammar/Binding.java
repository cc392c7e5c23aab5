package io.sirocco.engine.grammar;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A grammar bound to one vocabulary: resolves special tokens and computes each state's token mask by
 * walking the {@link TokenTrie} (pruned where the grammar rejects a prefix), caching the most recent
 * masks (LRU) so a state seen again costs a lookup.
 */
final class Binding {
    private static final int CACHED_MASKS = 512;

    final Pda pda;
    final TokenTrie trie;
    /** Per terminal class: the token id of its special piece, or -1. */
    private final int[] classToken;
    private final Map<Pda.State, long[]> masks = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Pda.State, long[]> e) {
            return size() > CACHED_MASKS;
        }
    };

    Binding(Pda pda, TokenTrie trie) {
        this.pda = pda;
        this.trie = trie;
        this.classToken = new int[pda.classSpecial.length];
        for (int c = 0; c < classToken.length; c++) {
            String piece = pda.classSpecial[c];
            if (piece == null) {
                classToken[c] = -1;
            } else {
                Integer id = trie.specials.get(piece);
                if (id == null) {
                    throw new GrammarException("grammar", "the model's vocabulary has no control token " + piece);
                }
                classToken[c] = id;
            }
        }
    }

    long[] mask(Pda.State s) {
        synchronized (masks) {
            long[] m = masks.get(s);
            if (m != null) {
                return m;
            }
        }
        long[] m = new long[(trie.vocabSize + 63) >> 6];
        walk(0, s, m);
        for (Pda.Frame f : s.tops) {
            int id = classToken[pda.code[f.pos]];
            if (id >= 0) {
                m[id >> 6] |= 1L << (id & 63);
            }
        }
        if (s.accepting && trie.eos >= 0 && trie.eos < trie.vocabSize) {
            m[trie.eos >> 6] |= 1L << (trie.eos & 63);
        }
        synchronized (masks) {
            masks.put(s, m);
        }
        return m;
    }

    private void walk(int node, Pda.State s, long[] m) {
        for (int e = trie.childStart[node]; e < trie.childStart[node + 1]; e++) {
            Pda.State n = pda.step(s, trie.childByte[e] & 0xff);
            if (n == pda.dead) {
                continue;
            }
            int child = trie.childNode[e];
            for (int t = trie.tokStart[child]; t < trie.tokStart[child + 1]; t++) {
                int id = trie.tokens[t];
                m[id >> 6] |= 1L << (id & 63);
            }
            walk(child, n, m);
        }
    }

    /** The state after a token: its bytes, its special piece, or (EOS) unchanged when complete. */
    Pda.State advance(Pda.State s, int token) {
        if (token < 0 || token >= trie.vocabSize) {
            return pda.dead;
        }
        if (token == trie.eos) {
            return s.accepting ? s : pda.dead;
        }
        byte[] b = trie.tokenBytes[token];
        if (b == null) {
            for (int c = 0; c < classToken.length; c++) {
                if (classToken[c] == token) {
                    return pda.stepSpecial(s, pda.classSpecial[c]);
                }
            }
            return pda.dead;
        }
        for (int i = 0; i < b.length && s != pda.dead; i++) {
            s = pda.step(s, b[i] & 0xff);
        }
        return s;
    }
}
