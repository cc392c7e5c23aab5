package io.sirocco.engine.model;

import java.util.ArrayDeque;

/**
 * The KV cache: one bounded pool of fixed-size blocks shared by all sequences (paged attention).
 * A sequence holds a {@link BlockTable}; position p lives in block {@code table[p / BLOCK]}.
 * F32 keys and values, per layer one array of {@code blocks × BLOCK × kvDim}.
 */
public final class KvCache {
    public static final int BLOCK = 16;
    private final int kvDim;
    private final int blockCount;
    final float[][] keys;
    final float[][] values;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();

    public KvCache(int nLayer, int kvDim, int tokens) {
        this.kvDim = kvDim;
        this.blockCount = Math.max(1, (tokens + BLOCK - 1) / BLOCK);
        long floats = (long) blockCount * BLOCK * kvDim;
        if (floats > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("KV cache of " + tokens + " tokens is too large per layer");
        }
        keys = new float[nLayer][(int) floats];
        values = new float[nLayer][(int) floats];
        for (int b = 0; b < blockCount; b++) {
            free.add(b);
        }
    }

    public static int blocksFor(int tokens) {
        return (tokens + BLOCK - 1) / BLOCK;
    }

    public int kvDim() {
        return kvDim;
    }

    public int totalBlocks() {
        return blockCount;
    }

    public synchronized int freeBlocks() {
        return free.size();
    }

    /** A table of {@code blocks} blocks, or null when the pool cannot supply them now. */
    public synchronized BlockTable allocate(int blocks) {
        if (blocks > free.size()) {
            return null;
        }
        int[] ids = new int[blocks];
        for (int i = 0; i < blocks; i++) {
            ids[i] = free.pop();
        }
        return new BlockTable(ids);
    }

    public synchronized void release(BlockTable table) {
        if (table != null && !table.released) {
            table.released = true;
            for (int b : table.blocks) {
                free.push(b);
            }
        }
    }

    /** The blocks of one sequence. */
    public static final class BlockTable {
        final int[] blocks;
        boolean released;

        BlockTable(int[] blocks) {
            this.blocks = blocks;
        }

        public int capacity() {
            return blocks.length * BLOCK;
        }

        /** Index of position {@code pos} in the per-layer arrays, in units of kvDim. */
        int slot(int pos) {
            return blocks[pos / BLOCK] * BLOCK + pos % BLOCK;
        }
    }
}
