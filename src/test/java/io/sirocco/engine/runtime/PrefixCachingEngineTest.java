package io.sirocco.engine.runtime;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.FinishReason;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.golden.GoldenPack;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prefix caching through the scheduler: reuse is reported, and changes no token, under cancels and eviction. */
class PrefixCachingEngineTest {
    static final GenerationParams GREEDY = GenerationParams.greedy(10);

    static int[] prompt(int sharedBlocks, int prefix, int tail) {
        int n = 16 * sharedBlocks + 3 + tail;
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = i == 0 ? 1 : i < 16 * sharedBlocks ? 300 + (i * 37 + prefix * 1009) % 5000 : 6000 + (i + tail * 13) % 900;
        }
        return t;
    }

    static List<Integer> tokens(Engine e, int[] prompt, GenerationResult[] result) throws Exception {
        List<Integer> ids = Collections.synchronizedList(new ArrayList<>());
        GenerationResult r = e.generate(prompt, GREEDY, (id, d) -> ids.add(id)).result().get(60, TimeUnit.SECONDS);
        if (result != null) {
            result[0] = r;
        }
        return ids;
    }

    @Test
    void aSecondTurnReusesTheFirstTurnsBlocksAndReportsThem() throws Exception {
        try (Engine on = LocalEngine.open(GoldenPack.model("moe-a", GgmlType.Q8_0), new EngineOptions(2, 4, 1024, 512, true));
             Engine off = LocalEngine.open(GoldenPack.model("moe-a", GgmlType.Q8_0),
                     new EngineOptions(2, 4, 1024, 512, true, 0))) {
            int[] turn1 = prompt(3, 1, 0);
            GenerationResult[] r = new GenerationResult[1];
            tokens(on, turn1, r);
            assertEquals(0, r[0].cachedTokens());
            int[] turn2 = Arrays.copyOf(turn1, turn1.length + 20);
            for (int i = turn1.length; i < turn2.length; i++) {
                turn2[i] = 700 + i;
            }
            List<Integer> cached = tokens(on, turn2, r);
            assertEquals(48, r[0].cachedTokens(), "the first turn's three full blocks");
            assertEquals(turn2.length, r[0].promptTokens());
            GenerationResult[] plain = new GenerationResult[1];
            assertEquals(tokens(off, turn2, plain), cached);
            assertEquals(0, plain[0].cachedTokens(), "prefix-cache-tokens 0 turns it off");
        }
    }

    /**
     * Twelve clients on a pool with room for about three sequences send prompts sharing prefixes and cancel
     * some generations at random moments: every generation that completes gives exactly the tokens of a run
     * without prefix caching, and at the end no block is held.
     */
    @Test
    void cancellationAndEvictionNeverCorruptARunningSequence() throws Exception {
        int[][] prompts = new int[8][];
        for (int i = 0; i < prompts.length; i++) {
            prompts[i] = prompt(1 + i % 3, i % 2, i);
        }
        List<List<Integer>> expected = new ArrayList<>();
        try (Engine off = LocalEngine.open(GoldenPack.model("dense-a", GgmlType.Q8_0),
                new EngineOptions(2, 4, 1024, 512, true, 0))) {
            for (int[] p : prompts) {
                expected.add(tokens(off, p, null));
            }
        }
        try (Engine on = LocalEngine.open(GoldenPack.model("dense-a", GgmlType.Q8_0), new EngineOptions(2, 4, 208, 512, true))) {
            ExecutorService clients = Executors.newFixedThreadPool(12);
            List<Future<Integer>> jobs = new ArrayList<>();
            for (int c = 0; c < 12; c++) {
                int seed = c;
                jobs.add(clients.submit(() -> {
                    Random r = new Random(seed);
                    int completed = 0;
                    for (int iter = 0; iter < 6; iter++) {
                        int which = r.nextInt(prompts.length);
                        List<Integer> ids = Collections.synchronizedList(new ArrayList<>());
                        int cancelAfter = r.nextInt(3) == 0 ? r.nextInt(6) : -1;
                        Generation[] g = new Generation[1];
                        g[0] = on.generate(prompts[which], GREEDY, (id, d) -> {
                            ids.add(id);
                            if (ids.size() == cancelAfter) {
                                g[0].cancel();
                            }
                        });
                        if (cancelAfter == 0) {
                            g[0].cancel(); // maybe still waiting for blocks
                        }
                        GenerationResult res = g[0].result().get(120, TimeUnit.SECONDS);
                        if (res.finishReason() == FinishReason.LENGTH) {
                            assertEquals(expected.get(which), ids, "prompt " + which + " cached " + res.cachedTokens());
                            completed++;
                        }
                    }
                    return completed;
                }));
            }
            int completed = 0;
            for (Future<Integer> j : jobs) {
                completed += j.get(300, TimeUnit.SECONDS);
            }
            clients.shutdown();
            assertTrue(completed > 20, completed + " completed");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (on.stats().kvBlocksUsed() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, on.stats().kvBlocksUsed());
            LocalEngine local = (LocalEngine) on;
            local.checkKvCache();
            assertTrue(local.prefixHitRate() > 0.1, "hit rate " + local.prefixHitRate());
        }
    }
}
