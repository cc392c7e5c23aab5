package io.sirocco.engine.model;

/**
 * The tokens of one forward step, from one or more sequences: token i is {@code tokens[i]} at
 * {@code positions[i]} of the sequence whose KV blocks are {@code tables[i]}. Tokens of one sequence
 * are consecutive positions. Marked tokens get their logits (and/or final hidden state) computed.
 */
public final class Batch {
    public final int size;
    final int[] tokens;
    final int[] positions;
    final KvCache.BlockTable[] tables;
    final boolean[] wantLogits;
    final boolean[] wantHidden;
    int filled;

    public Batch(int size) {
        this.size = size;
        tokens = new int[size];
        positions = new int[size];
        tables = new KvCache.BlockTable[size];
        wantLogits = new boolean[size];
        wantHidden = new boolean[size];
    }

    /** Appends a token; returns its index in the batch. */
    public int add(int token, int position, KvCache.BlockTable table, boolean logits, boolean hidden) {
        int i = filled++;
        tokens[i] = token;
        positions[i] = position;
        tables[i] = table;
        wantLogits[i] = logits;
        wantHidden[i] = hidden;
        return i;
    }

    public int count() {
        return filled;
    }
}
