package io.sirocco.engine.cli;

import io.sirocco.engine.kernels.Kernels;
import io.sirocco.engine.kernels.MatMul;
import io.sirocco.engine.kernels.Matrix;
import io.sirocco.engine.kernels.NativeKernels;
import io.sirocco.engine.kernels.KernelThreads;
import io.sirocco.engine.model.Batch;
import io.sirocco.engine.model.KvCache;
import io.sirocco.engine.model.LlamaWeights;
import io.sirocco.engine.model.Model;
import io.sirocco.engine.model.Transformer;
import io.sirocco.engine.runtime.Sampler;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code bench}: on one fixed worker pool ({@code --threads}, default 2) it measures
 * <ul>
 *   <li>single stream: prefill of a {@code --prompt-tokens} ({@code -p}, default 128) prompt (one batch) and
 *       {@code --decode-tokens} ({@code -n}, default 64) greedy decode steps, as {@code llama-bench -p 128 -n 64};</li>
 *   <li>batched decode: 4 and 16 sequences (16-token prompts) stepping together, one token each per
 *       step, aggregate tokens/s (the forward pass the scheduler runs, without its thread);</li>
 *   <li>distinct experts read per MoE layer per step, in each case;</li>
 *   <li>weight bytes read per decoded token, and with them GB/s and the fraction of the bandwidth
 *       limit, against this machine's bandwidth measured by a STREAM-like triad (C) with 1 and N
 *       threads, run last so its arrays do not count in the peak RSS;</li>
 *   <li>load time (mmap; the first load in a fresh JVM, and a second load) and peak RSS (VmHWM).</li>
 * </ul>
 * Every figure is the median of {@code --runs} runs after one warm-up run.
 */
final class Bench {
    private Bench() {
    }

    /** One measurement: prefill and decode tokens/s, distinct experts per layer per decode step. */
    record Run(double prefillTokensPerS, double decodeTokensPerS, double distinctExperts) {
    }

    static void run(Args a, PrintStream out) {
        Path path = Path.of(a.require("model"));
        String loadAvg = loadAverage();
        long t0 = System.nanoTime();
        try (Model model = Model.load(path)) {
            double loadMs = (System.nanoTime() - t0) / 1e6;
            int threads = a.getInt("threads", 2);
            int promptTokens = a.getInt("prompt-tokens", 128);
            int decodeTokens = a.getInt("decode-tokens", 64);
            int runs = Math.max(1, a.getInt("runs", 3));
            int streamMib = a.getInt("stream-mib", 512);
            Kernels kernels = Kernels.best(true);
            Run single;
            List<Run> batched = new ArrayList<>();
            String streamSpec = a.get("streams", "4,16"); // "" measures single stream only
            int[] streamCounts = streamSpec.isBlank() ? new int[0]
                    : Arrays.stream(streamSpec.split(",")).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
            try (KernelThreads pool = new KernelThreads(threads)) {
                MatMul mm = new MatMul(kernels, pool);
                single = median(model, mm, 1, promptTokens, decodeTokens, runs);
                for (int streams : streamCounts) {
                    batched.add(median(model, mm, streams, 16, decodeTokens, runs));
                }
            }
            long w0 = System.nanoTime();
            try (Model again = Model.load(path)) {
                again.vocabSize();
            }
            double warmLoadMs = (System.nanoTime() - w0) / 1e6;
            long bytesPerToken = weightBytesPerToken(model);
            double kvMb = (double) 2 * 4 * model.config.nLayer() * model.config.kvDim()
                    * (16 * (16 + decodeTokens + 16)) / 1048576.0;
            double rssMb = peakRssMb();
            double bw1 = bandwidthGbPerS(1, streamMib);
            double bwN = threads == 1 ? bw1 : bandwidthGbPerS(threads, streamMib);
            double decodeGbPerS = single.decodeTokensPerS() * bytesPerToken / 1e9;
            double roofline = bwN > 0 ? decodeGbPerS / bwN : -1;
            double fileMb = model.file.fileSize() / 1048576.0;
            if (a.flag("json")) {
                StringBuilder sb = new StringBuilder("{");
                sb.append(String.format(Locale.ROOT, "\"prefill_tokens_per_s\":%.2f,\"decode_tokens_per_s\":%.2f,\"batched\":[",
                        single.prefillTokensPerS(), single.decodeTokensPerS()));
                for (int i = 0; i < batched.size(); i++) {
                    Run r = batched.get(i);
                    sb.append(i > 0 ? "," : "").append(String.format(Locale.ROOT,
                            "{\"streams\":%d,\"decode_tokens_per_s\":%.2f,\"ratio_to_single\":%.3f,"
                                    + "\"distinct_experts_per_layer\":%.3f}",
                            streamCounts[i], r.decodeTokensPerS(), r.decodeTokensPerS() / single.decodeTokensPerS(),
                            r.distinctExperts()));
                }
                sb.append(String.format(Locale.ROOT, "],\"bandwidth_gb_per_s\":%.3f,\"roofline_fraction\":%.4f,"
                                + "\"load_ms\":%.1f,\"peak_rss_mb\":%.1f,\"model\":\"%s\",\"weight_type\":\"%s\","
                                + "\"file_mb\":%.1f,\"kernels\":\"%s\",\"threads\":%d,\"prompt_tokens\":%d,"
                                + "\"decode_tokens\":%d,\"runs\":%d,\"weight_bytes_per_token\":%d,"
                                + "\"decode_gb_per_s\":%.3f,\"bandwidth_1_thread_gb_per_s\":%.3f,"
                                + "\"distinct_experts_per_layer\":%.3f,\"batched_kv_mb\":%.1f,\"load_warm_ms\":%.1f,"
                                + "\"load_average\":\"%s\"}",
                        bwN, roofline, loadMs, rssMb, path.getFileName(), model.weights.mainType(), fileMb,
                        kernels.name(), threads, promptTokens, decodeTokens, runs, bytesPerToken, decodeGbPerS, bw1,
                        single.distinctExperts(), kvMb, warmLoadMs, loadAvg));
                out.println(sb);
            } else {
                out.printf(Locale.ROOT, "model %s (%s, %s, %.1f MiB), kernels %s, %d threads, load %.1f ms, load average %s%n",
                        path.getFileName(), model.config.name(), model.weights.mainType(), fileMb, kernels.name(),
                        threads, loadMs, loadAvg);
                out.printf(Locale.ROOT, "single stream: prefill %d tokens %.1f tok/s, decode %.1f tok/s "
                                + "(%.1f distinct experts per layer per step)%n", promptTokens,
                        single.prefillTokensPerS(), single.decodeTokensPerS(), single.distinctExperts());
                for (int i = 0; i < batched.size(); i++) {
                    Run r = batched.get(i);
                    out.printf(Locale.ROOT, "%d streams: aggregate decode %.1f tok/s (%.2f× single), %.2f distinct experts "
                                    + "per layer per step%n", streamCounts[i], r.decodeTokensPerS(),
                            r.decodeTokensPerS() / single.decodeTokensPerS(), r.distinctExperts());
                }
                if (streamMib > 0) {
                    out.printf(Locale.ROOT, "weights read per decoded token %.1f MB: %.2f GB/s; bandwidth (triad) %.2f GB/s "
                                    + "with 1 thread, %.2f GB/s with %d: %.1f %% of the bandwidth limit%n",
                            bytesPerToken / 1e6, decodeGbPerS, bw1, bwN, threads, 100 * roofline);
                } else {
                    out.printf(Locale.ROOT, "weights read per decoded token %.1f MB: %.2f GB/s; bandwidth not measured "
                            + "(--stream-mib 0)%n", bytesPerToken / 1e6, decodeGbPerS);
                }
                out.printf(Locale.ROOT, "load %.1f ms in this fresh JVM, %.1f ms loading it again; peak RSS %.1f MiB "
                        + "(file %.1f MiB)%n", loadMs, warmLoadMs, rssMb, fileMb);
            }
        }
    }

    /** Median (per figure) of {@code runs} runs after a warm-up run. */
    private static Run median(Model model, MatMul mm, int streams, int promptTokens, int decodeTokens, int runs) {
        measure(model, mm, streams, promptTokens, decodeTokens);
        double[] p = new double[runs];
        double[] d = new double[runs];
        double[] e = new double[runs];
        for (int r = 0; r < runs; r++) {
            Run m = measure(model, mm, streams, promptTokens, decodeTokens);
            p[r] = m.prefillTokensPerS();
            d[r] = m.decodeTokensPerS();
            e[r] = m.distinctExperts();
        }
        return new Run(median(p), median(d), median(e));
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /**
     * {@code streams} sequences: all prompts prefilled in one batch, then {@code decodeTokens} steps of
     * one greedy token per sequence. Prefill tokens/s counts all prompt tokens; decode counts all streams.
     */
    static Run measure(Model model, MatMul mm, int streams, int promptTokens, int decodeTokens) {
        int vocab = model.vocabSize();
        int perSeq = promptTokens + decodeTokens + 1;
        KvCache kv = new KvCache(model.config.nLayer(), model.config.kvDim(), streams * KvCache.blocksFor(perSeq) * KvCache.BLOCK);
        Transformer tr = new Transformer(model.config, model.weights, mm, kv, vocab);
        KvCache.BlockTable[] tables = new KvCache.BlockTable[streams];
        Batch prefill = new Batch(streams * promptTokens);
        for (int s = 0; s < streams; s++) {
            tables[s] = kv.allocate(KvCache.blocksFor(perSeq));
            for (int i = 0; i < promptTokens; i++) {
                int token = i == 0 ? model.tokenizer.vocabulary().bos : 259 + (int) ((i * 7919L + s * 131L) % (vocab - 259));
                prefill.add(token, i, tables[s], i == promptTokens - 1, false);
            }
        }
        int[] next = new int[streams];
        long t0 = System.nanoTime();
        Transformer.Output o = tr.forward(prefill);
        long t1 = System.nanoTime();
        for (int s = 0; s < streams; s++) {
            next[s] = Sampler.argmax(o.logits(), s * vocab, vocab);
        }
        tr.resetExpertStats();
        long t2 = System.nanoTime();
        for (int step = 0; step < decodeTokens; step++) {
            Batch b = new Batch(streams);
            for (int s = 0; s < streams; s++) {
                b.add(next[s], promptTokens + step, tables[s], true, false);
            }
            o = tr.forward(b);
            for (int s = 0; s < streams; s++) {
                next[s] = Sampler.argmax(o.logits(), o.logitsRow(s) * vocab, vocab);
            }
        }
        long t3 = System.nanoTime();
        return new Run(streams * promptTokens / ((t1 - t0) / 1e9), (double) streams * decodeTokens / ((t3 - t2) / 1e9),
                tr.distinctExpertsPerLayerStep());
    }

    /**
     * Weight bytes one decoded token reads: every attention matrix, the router and the top-k experts of
     * each layer, the LM head and one embedding row (norms are negligible).
     */
    static long weightBytesPerToken(Model m) {
        long b = m.weights.output.data().byteSize() + m.weights.tokenEmbd.rowBytes();
        for (LlamaWeights.Layer l : m.weights.layers) {
            b += bytes(l.wq()) + bytes(l.wk()) + bytes(l.wv()) + bytes(l.wo());
            if (l.experts() != null) {
                b += bytes(l.router());
                LlamaWeights.Ffn e = l.experts()[0];
                b += (long) m.config.nExpertUsed() * (bytes(e.gate()) + bytes(e.up()) + bytes(e.down()));
            } else {
                b += bytes(l.dense().gate()) + bytes(l.dense().up()) + bytes(l.dense().down());
            }
        }
        return b;
    }

    private static long bytes(Matrix m) {
        return m.data().byteSize();
    }

    /**
     * STREAM triad over three arrays of {@code mib} MiB each (off-heap), split between {@code threads}
     * threads; the best of 5 passes after first touch, in GB/s (24 bytes per element). -1 without the
     * native library.
     */
    static double bandwidthGbPerS(int threads, int mib) {
        NativeKernels nk = NativeKernels.load();
        if (nk == null || mib <= 0) {
            return -1;
        }
        long n = (long) mib * 1048576 / 8 / threads * threads;
        long per = n / threads;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = arena.allocate(8 * n, 64);
            MemorySegment b = arena.allocate(8 * n, 64);
            MemorySegment c = arena.allocate(8 * n, 64);
            onThreads(threads, t -> {
                nk.fill(a.asSlice(8 * per * t, 8 * per), per, 1.0);
                nk.fill(b.asSlice(8 * per * t, 8 * per), per, 2.0);
                nk.fill(c.asSlice(8 * per * t, 8 * per), per, 0.5);
            });
            double best = Double.MAX_VALUE;
            for (int pass = 0; pass < 6; pass++) {
                long t0 = System.nanoTime();
                onThreads(threads, t -> nk.triad(a.asSlice(8 * per * t, 8 * per), b.asSlice(8 * per * t, 8 * per),
                        c.asSlice(8 * per * t, 8 * per), per, 3.0));
                double s = (System.nanoTime() - t0) / 1e9;
                if (pass > 0) {
                    best = Math.min(best, s);
                }
            }
            return 24.0 * n / best / 1e9;
        }
    }

    /** Runs part(t) for t in [0, threads) on that many threads at once (one chunk each), and waits. */
    private static void onThreads(int threads, java.util.function.IntConsumer part) {
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = new Thread(() -> part.accept(id));
            ts[t].start();
        }
        for (Thread t : ts) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** VmHWM from /proc (Linux), or -1. */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    /** The 1/5/15-minute load averages (Linux), or "?". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "?";
        }
    }
}
