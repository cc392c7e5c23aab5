package io.sirocco.engine.model;

import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.golden.GoldenPack;
import io.sirocco.engine.kernels.Kernels;
import io.sirocco.engine.kernels.MatMul;
import io.sirocco.engine.kernels.KernelThreads;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prefix caching: the pool's books, reuse, eviction, and logits equal bit for bit with and without it. */
class PrefixCacheTest {
    static final KernelThreads POOL = new KernelThreads(2);

    @AfterAll
    static void close() {
        POOL.close();
    }

    static int[] tokens(int n, int seed) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = i == 0 ? 1 : 300 + (i * 7919 + seed * 131) % 20000;
        }
        return t;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A finished sequence's full blocks are found again by a prompt sharing them, and shared, not copied. */
    @Test
    void aPromptReusesTheLongestCachedPrefixAndSharesItsBlocks() {
        KvCache kv = new KvCache(1, 4, 16 * 20, -1, "m");
        int[] first = tokens(70, 1); // 4 full blocks + 6
        KvCache.BlockTable a = kv.admit(first, 80);
        assertEquals(0, a.cachedTokens());
        kv.commit(a, first, 70);
        // while a still runs, a prompt sharing 2 blocks and diverging in the 3rd gets exactly those two
        int[] second = concat(Arrays.copyOf(first, 40), tokens(30, 2));
        KvCache.BlockTable b = kv.admit(second, 80);
        assertEquals(32, b.cachedTokens());
        for (int p = 0; p < 32; p++) {
            assertEquals(a.slot(p), b.slot(p), "shared prefix block");
        }
        for (int p = 32; p < b.capacity(); p++) {
            for (int q = 0; q < a.capacity(); q++) {
                assertNotEquals(a.slot(q), b.slot(p), "past the divergence b writes only private blocks");
            }
        }
        kv.checkInvariants(List.of(a, b));
        kv.release(a);
        kv.checkInvariants(List.of(b));
        kv.release(b);
        kv.checkInvariants(List.of());
        assertEquals(kv.totalBlocks(), kv.freeBlocks(), "idle cached blocks count as available");
        // after both finished: the whole first prompt's full blocks are still there
        KvCache.BlockTable c = kv.admit(first, 80);
        assertEquals(64, c.cachedTokens());
        kv.release(c);
        kv.checkInvariants(List.of());
    }

    @Test
    void aFullHitStillLeavesTheLastTokenToCompute() {
        KvCache kv = new KvCache(1, 4, 16 * 8, -1, "m");
        int[] p = tokens(32, 3);
        KvCache.BlockTable a = kv.admit(p, 40);
        kv.commit(a, p, 32);
        kv.release(a);
        KvCache.BlockTable b = kv.admit(p, 40);
        assertEquals(16, b.cachedTokens(), "the block holding the last prompt token is recomputed privately");
        kv.release(b);
    }

    @Test
    void theCacheIsKeyedByTheModelAndTheWholePrefix() {
        KvCache kv = new KvCache(1, 4, 16 * 8, -1, "m");
        int[] p = tokens(40, 4);
        KvCache.BlockTable a = kv.admit(p, 48);
        kv.commit(a, p, 40);
        kv.release(a);
        int[] otherFirstBlock = p.clone();
        otherFirstBlock[3]++;
        KvCache.BlockTable b = kv.admit(otherFirstBlock, 48);
        assertEquals(0, b.cachedTokens(), "block 1 matches but its chain does not");
        kv.release(b);
        KvCache other = new KvCache(1, 4, 16 * 8, -1, "another-model");
        assertEquals(0, other.admit(p, 48).cachedTokens());
    }

    @Test
    void idleBlocksAreEvictedLeastRecentlyUsedFirstAndHeldOnesNever() {
        KvCache kv = new KvCache(1, 4, 16 * 6, -1, "m");
        int[] x = tokens(33, 5);
        int[] y = tokens(33, 6);
        KvCache.BlockTable a = kv.admit(x, 48);
        kv.commit(a, x, 33);
        kv.release(a); // x's 2 full blocks idle
        KvCache.BlockTable b = kv.admit(y, 48);
        kv.commit(b, y, 33);
        kv.release(b); // y's 2 full blocks idle, newer
        KvCache.BlockTable held = kv.admit(y, 48); // holds y's blocks again
        assertEquals(32, held.cachedTokens());
        KvCache.BlockTable big = kv.admit(tokens(20, 7), 48); // needs 3: 1 free + x's 2 evicted
        assertNotNull(big);
        kv.checkInvariants(List.of(held, big));
        assertNull(kv.admit(tokens(20, 8), 16), "y's blocks are held: nothing left to evict");
        kv.release(big);
        KvCache.BlockTable again = kv.admit(x, 48);
        assertEquals(0, again.cachedTokens(), "x was evicted");
        kv.checkInvariants(List.of(held, again));
    }

    @Test
    void theCacheSizeBoundsIdleBlocksAndZeroTurnsItOff() {
        KvCache small = new KvCache(1, 4, 16 * 8, 32, "m");
        int[] p = tokens(70, 9);
        KvCache.BlockTable a = small.admit(p, 80);
        small.commit(a, p, 70);
        small.release(a);
        assertEquals(2, small.cachedIdleBlocks());
        small.checkInvariants(List.of());
        KvCache off = new KvCache(1, 4, 16 * 8, 0, "m");
        KvCache.BlockTable b = off.admit(p, 80);
        off.commit(b, p, 70);
        off.release(b);
        assertEquals(0, off.admit(p, 80).cachedTokens());
    }

    /**
     * Many threads admit, fill, check and release tables over a pool too small for them all, with shared
     * prefixes (so blocks are shared and evicted all the time). Each block's contents are a function of the
     * tokens it covers; a block handed out while still held would be overwritten and caught.
     */
    @Test
    void underConcurrencyNoHeldBlockIsEverHandedOutAgain() throws Exception {
        KvCache kv = new KvCache(1, 1, 16 * 24, -1, "m");
        int[][] prefixes = {tokens(48, 10), tokens(48, 11), tokens(48, 12)};
        Set<KvCache.BlockTable> live = ConcurrentHashMap.newKeySet();
        ExecutorService threads = Executors.newFixedThreadPool(6);
        List<Future<?>> jobs = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            int seed = t;
            jobs.add(threads.submit(() -> {
                Random r = new Random(seed);
                for (int iter = 0; iter < 400; iter++) {
                    int[] prompt = concat(Arrays.copyOf(prefixes[r.nextInt(3)], 16 * r.nextInt(4)),
                            tokens(1 + r.nextInt(30), 100 + r.nextInt(4)));
                    KvCache.BlockTable t1 = kv.admit(prompt, prompt.length + 8);
                    if (t1 == null) {
                        continue;
                    }
                    live.add(t1);
                    for (int p = 0; p < t1.cachedTokens(); p++) {
                        assertEquals(mark(prompt, p), kv.keys[0][t1.slot(p)], "cached position " + p);
                    }
                    for (int p = t1.cachedTokens(); p < prompt.length; p++) {
                        kv.keys[0][t1.slot(p)] = mark(prompt, p);
                    }
                    if (r.nextBoolean()) { // otherwise: cancelled before its blocks were named
                        kv.commit(t1, prompt, prompt.length);
                    }
                    Thread.yield();
                    for (int p = 0; p < prompt.length; p++) {
                        assertEquals(mark(prompt, p), kv.keys[0][t1.slot(p)], "held position " + p);
                    }
                    live.remove(t1);
                    kv.release(t1);
                }
                return null;
            }));
        }
        for (Future<?> j : jobs) {
            j.get(120, TimeUnit.SECONDS);
        }
        threads.shutdown();
        kv.checkInvariants(List.of());
        assertTrue(kv.hitRate() > 0.1, "prefixes were reused: " + kv.hitRate());
        assertEquals(kv.totalBlocks(), kv.freeBlocks());
    }

    /** A value determined by the prompt up to and including position p. */
    private static float mark(int[] prompt, int p) {
        return (float) (Arrays.hashCode(Arrays.copyOf(prompt, p + 1)) & 0xFFFFF);
    }

    /** Logits after a cached prefix equal those of a full prefill, bit for bit, for each kernel set and type. */
    @Test
    void logitsWithACachedPrefixEqualThoseWithoutBitForBit() {
        for (boolean useNative : new boolean[]{true, false}) {
            MatMul mm = new MatMul(Kernels.best(useNative), POOL);
            for (String name : GoldenPack.MODELS) {
                for (GgmlType type : List.of(GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.F32)) {
                    try (Model m = Model.load(GoldenPack.model(name, type))) {
                        String what = name + " " + type + " " + mm.kernels().name();
                        int[] shared = tokens(40, 20);
                        int[] turn1 = concat(shared, tokens(9, 21));
                        int[] turn2 = concat(shared, tokens(13, 22));
                        KvCache kv = new KvCache(m.config.nLayer(), m.config.kvDim(), 256, -1, "m");
                        Transformer tr = new Transformer(m.config, m.weights, mm, kv, m.vocabSize());
                        KvCache.BlockTable a = kv.admit(turn1, 64);
                        prefill(tr, turn1, 0, a);
                        kv.commit(a, turn1, turn1.length);
                        kv.release(a);
                        KvCache.BlockTable b = kv.admit(turn2, 64);
                        assertEquals(32, b.cachedTokens(), what);
                        float[] cached = prefill(tr, turn2, b.cachedTokens(), b);
                        KvCache fresh = new KvCache(m.config.nLayer(), m.config.kvDim(), 256);
                        Transformer tr2 = new Transformer(m.config, m.weights, mm, fresh, m.vocabSize());
                        KvCache.BlockTable whole = fresh.allocate(4);
                        float[] full = prefill(tr2, turn2, 0, whole);
                        assertArrayEquals(full, cached, what);
                        int next = 500;
                        assertArrayEquals(decode(tr2, next, turn2.length, whole), decode(tr, next, turn2.length, b),
                                what + ", the decode step after");
                    }
                }
            }
        }
    }

    private static float[] decode(Transformer tr, int token, int pos, KvCache.BlockTable t) {
        Batch batch = new Batch(1);
        batch.add(token, pos, t, true, false);
        return Arrays.copyOf(tr.forward(batch).logits(), tr.vocab());
    }

    private static float[] prefill(Transformer tr, int[] tokens, int from, KvCache.BlockTable t) {
        Batch batch = new Batch(tokens.length - from);
        for (int i = from; i < tokens.length; i++) {
            batch.add(tokens[i], i, t, i == tokens.length - 1, false);
        }
        return Arrays.copyOf(tr.forward(batch).logits(), tr.vocab());
    }
}
