package io.sirocco.engine.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * The KV cache: one bounded pool of fixed-size blocks shared by all sequences (paged attention).
 * A sequence holds a {@link BlockTable}; position p lives in block {@code table[p / BLOCK]}.
 * F32 keys and values, per layer one array of {@code blocks × BLOCK × kvDim}.
 *
 * <p><b>Prefix cache</b> (automatic, as vLLM's): every full block is named by a hash chain, block i's key
 * covering tokens 0..(i+1)·BLOCK and the model ({@link #commit}). Blocks carry reference counts; when the
 * last sequence holding a named block lets go it stays cached (idle, evictable, LRU) instead of going back
 * to the free list. {@link #admit} gives a new sequence the longest run of cached blocks matching its
 * prompt, shared, and fresh blocks for the rest, evicting the least recently used idle blocks when the free
 * list is short. Shared blocks are full, so nobody writes them again: a sequence diverges from a cached
 * prefix in a private block of its own (the copy-on-write point, with nothing to copy). A block that a table
 * holds is never on the free or idle list, so neither cancellation nor eviction can hand it out.
 */
public final class KvCache {
    public static final int BLOCK = 16;
    private final int kvDim;
    private final int blockCount;
    final float[][] keys;
    final float[][] values;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    /** Per block: tables holding it. */
    private final int[] refs;
    /** Per block: its prefix key once full and cached, else null. */
    private final Key[] keyOf;
    private final Map<Key, Integer> cached = new HashMap<>();
    /** Cached blocks no table holds, least recently used first. */
    private final LinkedHashSet<Integer> idle = new LinkedHashSet<>();
    /** Most idle cached blocks kept (0: prefix caching off). */
    private final int cacheBlocks;
    private final Key root;
    private long hitTokens;
    private long queriedTokens;

    /** A pool of {@code tokens} positions with prefix caching over all of it, for the model {@code modelId}. */
    public KvCache(int nLayer, int kvDim, int tokens, int cacheTokens, String modelId) {
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
        refs = new int[blockCount];
        keyOf = new Key[blockCount];
        this.cacheBlocks = cacheTokens < 0 ? blockCount : Math.min(blockCount, cacheTokens / BLOCK);
        this.root = new Key(sha256().digest(modelId.getBytes(StandardCharsets.UTF_8)));
    }

    /** A pool without prefix caching. */
    public KvCache(int nLayer, int kvDim, int tokens) {
        this(nLayer, kvDim, tokens, 0, "");
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

    /** Blocks a new sequence can get now: free ones plus idle cached ones (evictable). */
    public synchronized int freeBlocks() {
        return free.size() + idle.size();
    }

    /** Idle cached blocks (held by no sequence, kept for reuse). */
    public synchronized int cachedIdleBlocks() {
        return idle.size();
    }

    /** Prompt tokens served from the cache over prompt tokens looked up, since creation. */
    public synchronized double hitRate() {
        return queriedTokens == 0 ? 0 : (double) hitTokens / queriedTokens;
    }

    /** A table of {@code blocks} fresh blocks, or null when the pool cannot supply them now. */
    public synchronized BlockTable allocate(int blocks) {
        return admit(new int[0], blocks * BLOCK);
    }

    /**
     * A table for a sequence whose first tokens are {@code prompt} and that may grow to {@code reserve}
     * positions: the longest cached prefix of the prompt, shared (at most all but its last token, which must
     * be computed for its logits), then fresh blocks; or null when the pool cannot supply them now.
     * {@link BlockTable#cachedTokens()} says how many positions are already filled.
     */
    public synchronized BlockTable admit(int[] prompt, int reserve) {
        int total = blocksFor(reserve);
        Key key = root;
        int[] hits = new int[Math.min(total, cacheBlocks > 0 ? Math.max(0, prompt.length - 1) / BLOCK : 0)];
        int hit = 0;
        int idleHits = 0;
        while (hit < hits.length) {
            Key next = key.next(prompt, hit * BLOCK);
            Integer id = cached.get(next);
            if (id == null) {
                break;
            }
            hits[hit++] = id;
            idleHits += refs[id] == 0 ? 1 : 0;
            key = next;
        }
        if (total - hit > free.size() + idle.size() - idleHits) {
            return null;
        }
        int[] ids = new int[total];
        for (int i = 0; i < hit; i++) {
            ids[i] = hits[i];
            if (refs[hits[i]]++ == 0) {
                idle.remove(hits[i]);
            }
        }
        for (int i = hit; i < total; i++) {
            ids[i] = takeFresh();
            refs[ids[i]] = 1;
        }
        if (cacheBlocks > 0 && prompt.length > 0) {
            queriedTokens += prompt.length;
            hitTokens += (long) hit * BLOCK;
        }
        return new BlockTable(ids, hit, key);
    }

    private int takeFresh() {
        return free.isEmpty() ? evictOldest() : free.pop();
    }

    /** Forgets the least recently used idle block and returns it, unnamed. */
    private int evictOldest() {
        Iterator<Integer> lru = idle.iterator();
        int id = lru.next();
        lru.remove();
        cached.remove(keyOf[id]);
        keyOf[id] = null;
        return id;
    }

    /**
     * Names the table's blocks that are now full: {@code tokens[0..filled)} are the tokens whose keys and
     * values it holds. A block whose key another block already has stays private (no duplicate entries).
     */
    public synchronized void commit(BlockTable t, int[] tokens, int filled) {
        if (cacheBlocks == 0 || t.released) {
            return;
        }
        int full = Math.min(filled / BLOCK, t.blocks.length);
        while (t.named < full) {
            Key next = t.lastKey.next(tokens, t.named * BLOCK);
            int id = t.blocks[t.named];
            if (keyOf[id] == null && !cached.containsKey(next)) {
                cached.put(next, id);
                keyOf[id] = next;
            }
            t.lastKey = next;
            t.named++;
        }
    }

    /** Lets go of a table's blocks: named ones become idle (last block first in line for eviction), others free. */
    public synchronized void release(BlockTable table) {
        if (table == null || table.released) {
            return;
        }
        table.released = true;
        for (int i = table.blocks.length - 1; i >= 0; i--) {
            int id = table.blocks[i];
            if (--refs[id] > 0) {
                continue;
            }
            if (keyOf[id] != null) {
                idle.add(id);
            } else {
                free.push(id);
            }
        }
        while (idle.size() > cacheBlocks) {
            free.push(evictOldest());
        }
    }

    /**
     * Checks the pool's books (tests, diagnostics): every block is free, idle or held, exactly once; held counts match
     * {@code live}; the idle and named sets agree with the key map.
     */
    public synchronized void checkInvariants(Iterable<BlockTable> live) {
        int[] held = new int[blockCount];
        for (BlockTable t : live) {
            if (!t.released) {
                for (int b : t.blocks) {
                    held[b]++;
                }
            }
        }
        boolean[] seen = new boolean[blockCount];
        for (int b : free) {
            check(!seen[b] && refs[b] == 0 && keyOf[b] == null, "free block " + b);
            seen[b] = true;
        }
        for (int b : idle) {
            check(!seen[b] && refs[b] == 0 && keyOf[b] != null, "idle block " + b);
            seen[b] = true;
        }
        for (int b = 0; b < blockCount; b++) {
            check(refs[b] == held[b], "block " + b + " has " + refs[b] + " refs, " + held[b] + " holders");
            check(seen[b] != (refs[b] > 0), "block " + b + " is both held and free/idle, or neither");
            check(keyOf[b] == null || cached.get(keyOf[b]) == b, "block " + b + " key");
        }
        check(cached.size() == Arrays.stream(keyOf).filter(k -> k != null).count(), "key map size");
        check(idle.size() <= cacheBlocks, "idle blocks over the cache size");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("KV cache books broken: " + what);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A prefix key: SHA-256 of the parent key and one block's token ids. */
    private record Key(byte[] digest) {
        Key next(int[] tokens, int from) {
            ByteBuffer b = ByteBuffer.allocate(digest.length + 4 * BLOCK).order(ByteOrder.LITTLE_ENDIAN);
            b.put(digest);
            for (int i = 0; i < BLOCK; i++) {
                b.putInt(tokens[from + i]);
            }
            return new Key(sha256().digest(b.array()));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(digest, k.digest);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(digest);
        }
    }

    /** The blocks of one sequence. */
    public static final class BlockTable {
        final int[] blocks;
        private final int cachedTokens;
        /** Leading blocks already named in the cache, and the key of the last of them. */
        private int named;
        private Key lastKey;
        boolean released;

        private BlockTable(int[] blocks, int cachedBlocks, Key lastKey) {
            this.blocks = blocks;
            this.cachedTokens = cachedBlocks * BLOCK;
            this.named = cachedBlocks;
            this.lastKey = lastKey;
        }

        public int capacity() {
            return blocks.length * BLOCK;
        }

        /** Leading positions whose keys and values came from the prefix cache. */
        public int cachedTokens() {
            return cachedTokens;
        }

        /** Index of position {@code pos} in the per-layer arrays, in units of kvDim. */
        int slot(int pos) {
            return blocks[pos / BLOCK] * BLOCK + pos % BLOCK;
        }
    }
}
