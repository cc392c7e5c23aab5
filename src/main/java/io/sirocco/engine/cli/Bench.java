package io.sirocco.engine.cli;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.kernels.Kernels;
import io.sirocco.engine.kernels.MatMul;
import io.sirocco.engine.kernels.WorkerPool;
import io.sirocco.engine.model.Model;
import io.sirocco.engine.model.SingleSequence;
import io.sirocco.engine.runtime.Sampler;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code bench}: single-stream prefill (one batch of {@code --prompt-tokens}) and greedy decode
 * tokens/s, with 1 and 2 threads (or just {@code --threads N}), each the best of 3 runs after a warm-up
 * run; then aggregate decode tokens/s of 4 and 16 concurrent streams through the engine's scheduler
 * (continuous batching), with the last thread count.
 */
final class Bench {
    private Bench() {
    }

    record Result(int threads, double prefillTokensPerS, double decodeTokensPerS) {
    }

    static void run(Args a, PrintStream out) {
        Path path = Path.of(a.require("model"));
        long t0 = System.nanoTime();
        try (Model model = Model.load(path)) {
            double loadMs = (System.nanoTime() - t0) / 1e6;
            int promptTokens = a.getInt("prompt-tokens", 128);
            int decodeTokens = a.getInt("decode-tokens", 32);
            List<Integer> threadCounts = a.has("threads") ? List.of(a.getInt("threads", 2)) : List.of(1, 2);
            Kernels kernels = Kernels.best(true);
            List<Result> results = new ArrayList<>();
            for (int threads : threadCounts) {
                try (WorkerPool pool = new WorkerPool(threads)) {
                    MatMul mm = new MatMul(kernels, pool);
                    measure(model, mm, promptTokens, decodeTokens); // warm-up (JIT)
                    double best1 = 0;
                    double best2 = 0;
                    for (int r = 0; r < 3; r++) {
                        double[] m = measure(model, mm, promptTokens, decodeTokens);
                        best1 = Math.max(best1, m[0]);
                        best2 = Math.max(best2, m[1]);
                    }
                    results.add(new Result(threads, best1, best2));
                }
            }
            Result main = results.get(results.size() - 1);
            List<double[]> batched = new ArrayList<>();
            for (int streams : new int[]{4, 16}) {
                batched.add(new double[]{streams, batchedDecode(path, main.threads(), streams, decodeTokens)});
            }
            double rssMb = peakRssMb();
            if (a.flag("json")) {
                StringBuilder sb = new StringBuilder("{");
                sb.append(String.format(Locale.ROOT, "\"model\":\"%s\",\"kernels\":\"%s\",\"prompt_tokens\":%d,"
                                + "\"decode_tokens\":%d,\"threads\":%d,\"prefill_tokens_per_s\":%.2f,"
                                + "\"decode_tokens_per_s\":%.2f,\"load_ms\":%.1f,\"peak_rss_mb\":%.1f,\"batched\":[",
                        path.getFileName(), kernels.name(), promptTokens, decodeTokens, main.threads(),
                        main.prefillTokensPerS(), main.decodeTokensPerS(), loadMs, rssMb));
                for (int i = 0; i < batched.size(); i++) {
                    sb.append(i > 0 ? "," : "").append(String.format(Locale.ROOT,
                            "{\"streams\":%d,\"decode_tokens_per_s\":%.2f}", (int) batched.get(i)[0], batched.get(i)[1]));
                }
                sb.append("],\"by_threads\":[");
                for (int i = 0; i < results.size(); i++) {
                    Result r = results.get(i);
                    sb.append(i > 0 ? "," : "").append(String.format(Locale.ROOT,
                            "{\"threads\":%d,\"prefill_tokens_per_s\":%.2f,\"decode_tokens_per_s\":%.2f}",
                            r.threads(), r.prefillTokensPerS(), r.decodeTokensPerS()));
                }
                out.println(sb.append("]}"));
            } else {
                out.printf(Locale.ROOT, "model %s (%s, %s, %.1f MiB), kernels %s, load %.1f ms%n", path.getFileName(),
                        model.config.name(), model.weights.mainType(), model.file.fileSize() / 1048576.0,
                        kernels.name(), loadMs);
                for (Result r : results) {
                    out.printf(Locale.ROOT, "threads %d: prefill %d tokens %.1f tok/s, decode %.1f tok/s%n",
                            r.threads(), promptTokens, r.prefillTokensPerS(), r.decodeTokensPerS());
                }
                for (double[] b : batched) {
                    out.printf(Locale.ROOT, "threads %d, %d streams: aggregate decode %.1f tok/s%n", main.threads(),
                            (int) b[0], b[1]);
                }
                out.printf(Locale.ROOT, "peak RSS %.1f MiB%n", rssMb);
            }
        }
    }

    /**
     * Aggregate tokens/s of {@code streams} greedy generations (16-token prompts, {@code decodeTokens}
     * each) submitted together to an engine running them all at once; best of 2 after a warm-up.
     */
    private static double batchedDecode(Path path, int threads, int streams, int decodeTokens) {
        int promptLength = 16;
        EngineOptions o = new EngineOptions(threads, streams, streams * (promptLength + decodeTokens + 16), 0, true);
        try (Engine engine = Engine.load(path, o)) {
            double best = 0;
            for (int run = 0; run < 3; run++) {
                List<Generation> gens = new ArrayList<>();
                long t0 = System.nanoTime();
                for (int s = 0; s < streams; s++) {
                    int[] prompt = new int[promptLength];
                    prompt[0] = 1;
                    for (int i = 1; i < promptLength; i++) {
                        prompt[i] = 259 + (s * 131 + i * 7919) % 30000;
                    }
                    gens.add(engine.generate(prompt, GenerationParams.greedy(decodeTokens), null));
                }
                long tokens = 0;
                for (Generation g : gens) {
                    tokens += g.result().join().completionTokens();
                }
                double rate = tokens / ((System.nanoTime() - t0) / 1e9);
                best = run == 0 ? 0 : Math.max(best, rate);
            }
            return best;
        }
    }

    /** VmHWM from /proc (Linux), or -1. */
    static double peakRssMb() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    /** {prefill tok/s, decode tok/s} of one run. */
    private static double[] measure(Model model, MatMul mm, int promptTokens, int decodeTokens) {
        int vocab = model.vocabSize();
        int[] prompt = new int[promptTokens];
        prompt[0] = model.tokenizer.vocabulary().bos;
        for (int i = 1; i < promptTokens; i++) {
            prompt[i] = 259 + (int) ((i * 7919L) % (vocab - 259));
        }
        SingleSequence seq = new SingleSequence(model, mm, promptTokens + decodeTokens + 1);
        long t0 = System.nanoTime();
        float[] logits = seq.prefill(prompt);
        long t1 = System.nanoTime();
        for (int i = 0; i < decodeTokens; i++) {
            logits = seq.decode(Sampler.argmax(logits, 0, vocab));
        }
        long t2 = System.nanoTime();
        return new double[]{promptTokens / ((t1 - t0) / 1e9), decodeTokens / ((t2 - t1) / 1e9)};
    }
}
