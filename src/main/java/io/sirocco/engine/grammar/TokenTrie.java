package io.sirocco.engine.grammar;

import io.sirocco.engine.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A model vocabulary as a byte trie: every token that produces text (normal, user-defined and byte-fallback
 * tokens) sits at the node its bytes spell. Walking it alongside a grammar state visits each shared prefix
 * once and prunes a whole subtree as soon as the grammar rejects its prefix. Tokens without text (control
 * tokens such as BOS/EOS, {@code [INST]}, {@code [TOOL_CALLS]}) are kept by piece for {@link Grammar#special}.
 * Immutable; build one per loaded model.
 */
public final class TokenTrie {
    final int vocabSize;
    final int eos;
    final byte[][] tokenBytes;
    final Map<String, Integer> specials;
    // node i's edges are childByte/childNode[childStart[i] .. childStart[i+1]); its tokens tokens[tokStart[i] .. tokStart[i+1])
    final int[] childStart;
    final byte[] childByte;
    final int[] childNode;
    final int[] tokStart;
    final int[] tokens;

    private TokenTrie(int vocabSize, int eos, byte[][] tokenBytes, Map<String, Integer> specials) {
        this.vocabSize = vocabSize;
        this.eos = eos;
        this.tokenBytes = tokenBytes;
        this.specials = Map.copyOf(specials);
        // build with maps, then flatten breadth-first so a node's edges are contiguous
        List<TreeMap<Integer, Integer>> kids = new ArrayList<>();
        List<List<Integer>> toks = new ArrayList<>();
        kids.add(new TreeMap<>());
        toks.add(new ArrayList<>());
        for (int id = 0; id < vocabSize; id++) {
            byte[] b = tokenBytes[id];
            if (b == null) {
                continue;
            }
            int node = 0;
            for (byte x : b) {
                Integer next = kids.get(node).get(x & 0xff);
                if (next == null) {
                    next = kids.size();
                    kids.get(node).put(x & 0xff, next);
                    kids.add(new TreeMap<>());
                    toks.add(new ArrayList<>());
                }
                node = next;
            }
            toks.get(node).add(id);
        }
        int n = kids.size();
        childStart = new int[n + 1];
        tokStart = new int[n + 1];
        childByte = new byte[n - 1];
        childNode = new int[n - 1];
        tokens = new int[toks.stream().mapToInt(List::size).sum()];
        int e = 0;
        int t = 0;
        for (int i = 0; i < n; i++) {
            childStart[i] = e;
            tokStart[i] = t;
            for (Map.Entry<Integer, Integer> c : kids.get(i).entrySet()) {
                childByte[e] = (byte) (int) c.getKey();
                childNode[e++] = c.getValue();
            }
            for (int id : toks.get(i)) {
                tokens[t++] = id;
            }
        }
        childStart[n] = e;
        tokStart[n] = t;
    }

    /** The trie of a tokenizer's vocabulary: token bytes as the engine emits them (▁ as a space, byte tokens as their byte). */
    public static TokenTrie of(Tokenizer tokenizer) {
        var v = tokenizer.vocabulary();
        byte[][] bytes = new byte[v.size()][];
        Map<String, Integer> specials = new HashMap<>();
        for (int id = 0; id < v.size(); id++) {
            byte[] b = tokenizer.pieceBytes(id, false);
            if (b.length > 0) {
                bytes[id] = b;
            } else {
                specials.putIfAbsent(v.piece(id), id);
            }
        }
        return new TokenTrie(v.size(), v.eos, bytes, specials);
    }

    /** A trie from raw token byte strings (null = a token without text); for tests and tools. */
    public static TokenTrie of(byte[][] tokenBytes, int eos, Map<String, Integer> specials) {
        byte[][] copy = Arrays.stream(tokenBytes).map(b -> b == null || b.length == 0 ? null : b.clone())
                .toArray(byte[][]::new);
        return new TokenTrie(copy.length, eos, copy, specials);
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** Trie nodes (for the docs' sizing figures). */
    public int nodes() {
        return childStart.length - 1;
    }
}
