package io.sirocco.engine.cli;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.runtime.LocalEngine;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench --multi-turn}: chat with a long shared system prompt through the real scheduler, with the prefix
 * cache on and off (same model, same options otherwise).
 * <ul>
 *   <li>two turns of one conversation: turn 2's prompt is turn 1's prompt, its answer and a new user message;
 *       time to first token (TTFT) of each;</li>
 *   <li>{@code --users} users (default 8) sending their own question after the same system prompt at once:
 *       aggregate generated tokens/s and mean TTFT; with the prefix cache, the system prompt was cached by an
 *       earlier request (users arriving together before any block of it is computed do not share it).</li>
 * </ul>
 */
final class MultiTurnBench {
    private static final int USER_TOKENS = 24;

    private MultiTurnBench() {
    }

    record Turns(double ttft1Ms, double ttft2Ms, int cached2) {
    }

    record Users(double tokensPerS, double meanTtftMs, int cachedTokens) {
    }

    static void run(Args a, PrintStream out) {
        Path path = Path.of(a.require("model"));
        int threads = a.getInt("threads", 2);
        int system = a.getInt("system-tokens", 2000);
        int answer = a.getInt("decode-tokens", 64);
        int users = a.getInt("users", 8);
        int pool = Math.max(users * (system + 2 * USER_TOKENS + 2 * answer) + 2 * system, 8192);
        String load = Bench.loadAverage();
        Turns[] turns = new Turns[2];
        Users[] crowd = new Users[2];
        for (int on = 1; on >= 0; on--) {
            EngineOptions o = new EngineOptions(threads, users, pool, system + 4 * USER_TOKENS + 4 * answer, true,
                    on == 1 ? -1 : 0);
            try (Engine e = LocalEngine.open(path, o)) {
                int[] sys = systemPrompt(system, 1, e.info().vocabSize());
                generate(e, concat(tokens(16, 99, e.info().vocabSize()), tokens(16, 98, e.info().vocabSize())), 4); // warm-up
                turns[on] = turns(e, sys, answer);
                crowd[on] = users(e, systemPrompt(system, 3, e.info().vocabSize()), users, answer, on == 1);
            }
        }
        out.printf(Locale.ROOT, "multi-turn chat, %d-token system prompt, %d-token user turns, %d-token answers, "
                + "%d threads, load average %s%n", system, USER_TOKENS, answer, threads, load);
        out.printf(Locale.ROOT, "turn 1 TTFT %.0f ms; turn 2 TTFT %.0f ms with the prefix cache (%d prompt tokens "
                        + "cached), %.0f ms without: %.1f× faster%n", turns[1].ttft1Ms(), turns[1].ttft2Ms(),
                turns[1].cached2(), turns[0].ttft2Ms(), turns[0].ttft2Ms() / turns[1].ttft2Ms());
        out.printf(Locale.ROOT, "%d users at once sharing the system prompt: %.1f tok/s aggregate, mean TTFT %.0f ms "
                        + "(%d prompt tokens cached) with the prefix cache; %.1f tok/s, mean TTFT %.0f ms without: "
                        + "%.1f× the throughput%n", users, crowd[1].tokensPerS(), crowd[1].meanTtftMs(),
                crowd[1].cachedTokens(), crowd[0].tokensPerS(), crowd[0].meanTtftMs(),
                crowd[1].tokensPerS() / crowd[0].tokensPerS());
    }

    private static Turns turns(Engine e, int[] sys, int answer) {
        int vocab = e.info().vocabSize();
        int[] turn1 = concat(sys, tokens(USER_TOKENS, 10, vocab));
        Timed t1 = generate(e, turn1, answer);
        int[] turn2 = concat(concat(turn1, t1.ids()), tokens(USER_TOKENS, 11, vocab));
        Timed t2 = generate(e, turn2, answer);
        return new Turns(t1.ttftMs(), t2.ttftMs(), t2.result().cachedTokens());
    }

    private static Users users(Engine e, int[] sys, int users, int answer, boolean warm) {
        int vocab = e.info().vocabSize();
        if (warm) {
            generate(e, concat(sys, tokens(USER_TOKENS, 50, vocab)), 1);
        }
        long t0 = System.nanoTime();
        long[] first = new long[users];
        List<Generation> gens = new ArrayList<>();
        for (int u = 0; u < users; u++) {
            int user = u;
            gens.add(e.generate(concat(sys, tokens(USER_TOKENS, 100 + u, vocab)), params(answer), (id, d) -> {
                if (first[user] == 0) {
                    first[user] = System.nanoTime();
                }
            }));
        }
        int produced = 0;
        int cached = 0;
        for (Generation g : gens) {
            GenerationResult r = join(g);
            produced += r.completionTokens();
            cached += r.cachedTokens();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double ttft = Arrays.stream(first).mapToDouble(f -> (f - t0) / 1e6).average().orElse(0);
        return new Users(produced / seconds, ttft, cached);
    }

    record Timed(double ttftMs, int[] ids, GenerationResult result) {
    }

    private static Timed generate(Engine e, int[] prompt, int answer) {
        List<Integer> ids = new ArrayList<>();
        long[] first = new long[1];
        long t0 = System.nanoTime();
        Generation g = e.generate(prompt, params(answer), (id, d) -> {
            if (first[0] == 0) {
                first[0] = System.nanoTime();
            }
            ids.add(id);
        });
        GenerationResult r = join(g);
        return new Timed((first[0] - t0) / 1e6, ids.stream().mapToInt(Integer::intValue).toArray(), r);
    }

    /** Greedy, at most {@code answer} tokens. */
    private static GenerationParams params(int answer) {
        return GenerationParams.greedy(answer);
    }

    private static GenerationResult join(Generation g) {
        try {
            return g.result().get(30, TimeUnit.MINUTES);
        } catch (Exception ex) {
            throw new IllegalStateException("bench generation failed: " + ex.getMessage(), ex);
        }
    }

    /** BOS, then seeded ordinary tokens. */
    private static int[] systemPrompt(int n, int seed, int vocab) {
        int[] t = tokens(n, seed, vocab);
        t[0] = 1;
        return t;
    }

    /** Token ids of ordinary pieces (above the byte tokens), seeded. */
    static int[] tokens(int n, int seed, int vocab) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = 259 + (int) ((i * 7919L + seed * 104729L) % (vocab - 259));
        }
        return t;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
