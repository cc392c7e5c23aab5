package io.sirocco.engine.runtime;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationParams;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Not a test: what {@code backgroundPerStep} does for live latency, on the engine alone (no HTTP, database or
 * batch runner). An engine with {@code background} background generations running all the time serves live
 * requests of 32 tokens one after another; it prints their median time to first token and mean time between tokens,
 * for each cap, alternating the caps round by round in one JVM so both see the same machine. Run: {@code java
 * -cp target/test-classes:target/classes io.sirocco.engine.runtime.BackgroundCapBench <model.gguf> [background]
 * [live] [rounds] [caps…]} (docs/benchmarks.md).
 */
final class BackgroundCapBench {
    private BackgroundCapBench() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int background = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        int live = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int[] caps = args.length > 4 ? Arrays.stream(args, 4, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[]{0, 2};
        for (int round = 0; round <= rounds; round++) {
            for (int cap : caps) {
                double[] r = measure(model, background, live, cap);
                System.out.printf("%s cap %d (%d background): live TTFT median %.1f ms, between tokens %.2f ms%n",
                        round == 0 ? "warm-up" : "round " + round, cap, background, r[0], r[1]);
            }
        }
    }

    private static double[] measure(Path model, int background, int live, int cap) throws Exception {
        try (Engine engine = LocalEngine.open(model, new EngineOptions(0, background + 1, 16384, 4096, true, 0, cap))) {
            int[] prompt = engine.tokenize("Tell me about the wind over the sea", true);
            GenerationParams longRun = new GenerationParams(0.8f, 1f, 1000, List.of(), 7L, 0f, 0f, 1000, null);
            List<Generation> batch = new ArrayList<>();
            for (int i = 0; i < background; i++) {
                batch.add(engine.background().generate(prompt, longRun, null));
            }
            while (engine.stats().runningSequences() < background) {
                Thread.sleep(5);
            }
            Thread.sleep(200); // past their prefill
            double[] ttft = new double[live];
            double between = 0;
            for (int i = 0; i < live; i++) {
                long[] times = new long[32];
                int[] n = {0};
                long start = System.nanoTime();
                Generation g = engine.generate(prompt, GenerationParams.greedy(32).withSeed((long) i),
                        (id, delta) -> times[Math.min(n[0]++, 31)] = System.nanoTime());
                g.result().get(120, TimeUnit.SECONDS);
                ttft[i] = (times[0] - start) / 1e6;
                between += (times[Math.min(n[0], 32) - 1] - times[0]) / 1e6 / Math.max(1, Math.min(n[0], 32) - 1);
            }
            batch.forEach(Generation::cancel);
            Arrays.sort(ttft);
            return new double[]{ttft[live / 2], between / live};
        }
    }
}
