import io.sirocco.engine.kernels.KernelThreads;
import io.sirocco.engine.kernels.Kernels;
import io.sirocco.engine.kernels.MatMul;
import io.sirocco.engine.model.Model;
import io.sirocco.engine.model.SingleSequence;
import one.profiler.AsyncProfiler;
import one.profiler.Counter;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The steady-state cost of a decode step, after the JIT has settled: warm-up rounds, then rounds of a
 * PROMPT-token prefill (not measured) and DECODE greedy decode steps, measured by the caller thread's CPU time
 * and, with LIB (libasyncProfiler.so), sampled by async-profiler (CPU, 1 ms) into OUT.collapsed.
 * java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp target/classes:async-profiler-4.1-linux-x64.jar \
 *   src/test/golden-recipes/DecodeProfile.java MODEL THREADS PROMPT DECODE WARM_ROUNDS ROUNDS [LIB OUT]
 */
public class DecodeProfile {
    public static void main(String[] a) throws Exception {
        Path model = Path.of(a[0]);
        int threads = Integer.parseInt(a[1]), prompt = Integer.parseInt(a[2]), decode = Integer.parseInt(a[3]);
        int warm = Integer.parseInt(a[4]), rounds = Integer.parseInt(a[5]);
        AsyncProfiler prof = a.length > 7 ? AsyncProfiler.getInstance(a[6]) : null;
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Model m = Model.load(model); KernelThreads pool = new KernelThreads(threads)) {
            MatMul mm = new MatMul(Kernels.best(true), pool);
            int[] ids = new int[prompt];
            for (int i = 0; i < prompt; i++) {
                ids[i] = 1 + (i * 7919) % (m.vocabSize() - 1);
            }
            long cpu = 0, wall = 0;
            boolean started = false;
            for (int r = 0; r < warm + rounds; r++) {
                SingleSequence s = new SingleSequence(m, mm, prompt + decode + 1);
                float[] logits = s.prefill(ids);
                boolean measured = r >= warm;
                if (measured && prof != null) {
                    prof.execute((started ? "resume" : "start") + ",event=cpu,interval=1ms," + System.getProperty("cstack", "cstack=vm"));
                    started = true;
                }
                long c0 = mx.getCurrentThreadCpuTime(), w0 = System.nanoTime();
                for (int t = 0; t < decode; t++) {
                    logits = s.decode(argmax(logits));
                }
                long c1 = mx.getCurrentThreadCpuTime(), w1 = System.nanoTime();
                if (measured) {
                    if (prof != null) {
                        prof.execute("stop");
                    }
                    cpu += c1 - c0;
                    wall += w1 - w0;
                }
            }
            if (prof != null) {
                Files.writeString(Path.of(a[7]), prof.dumpCollapsed(Counter.SAMPLES));
            }
            int tokens = rounds * decode;
            System.out.printf("%s threads=%d tokens=%d caller_cpu_ms_per_token=%.3f wall_ms_per_token=%.3f kernels=%s%n",
                    model.getFileName(), threads, tokens, cpu / 1e6 / tokens, wall / 1e6 / tokens, mm.kernels().name());
        }
    }

    private static int argmax(float[] l) {
        int best = 0;
        for (int i = 1; i < l.length; i++) {
            if (l[i] > l[best]) {
                best = i;
            }
        }
        return best;
    }
}
