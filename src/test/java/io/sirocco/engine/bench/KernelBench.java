package io.sirocco.engine.bench;

import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.kernels.Activations;
import io.sirocco.engine.kernels.JavaKernels;
import io.sirocco.engine.kernels.Kernels;
import io.sirocco.engine.kernels.Matrix;
import io.sirocco.engine.kernels.NativeKernels;
import io.sirocco.engine.quant.Quantizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Kernel micro-benchmarks (JMH): one thread, a weight matrix of {@code rows × 4096} against
 * {@code batch} quantized activation vectors, for Q8_0×Q4_0, Q8_0×Q8_0 (and Q5_0/Q5_1) and
 * Q8_K×Q4_K / Q8_K×Q6_K, native (best variant) and Java kernels. The matrix (~2–7 MB) stays mostly in
 * L2/L3, so this measures the dot products, not memory. Score: matmul calls per second; multiply by
 * rows × 4096 × batch for MACs/s. Not a test: run {@link #main} (see docs/benchmarks.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class KernelBench {
    static final int COLS = 4096;
    static final int ROWS = 1024;

    @Param({"Q4_0", "Q8_0", "Q4_K", "Q6_K", "Q5_0", "Q5_1"})
    public String type;

    @Param({"1", "4", "16"})
    public int batch;

    @Param({"native", "java"})
    public String impl;

    Kernels kernels;
    Matrix w;
    Activations x;
    float[] y;

    @Setup
    public void setup() {
        GgmlType t = GgmlType.valueOf(type);
        Random rnd = new Random(1);
        float[] f = new float[ROWS * COLS];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) rnd.nextGaussian();
        }
        byte[] bytes = Quantizer.encode(t, f);
        MemorySegment seg = Arena.ofAuto().allocate(bytes.length, 64);
        seg.copyFrom(MemorySegment.ofArray(bytes));
        w = new Matrix("w", t, seg, COLS, ROWS);
        float[] xv = new float[batch * COLS];
        for (int i = 0; i < xv.length; i++) {
            xv[i] = (float) rnd.nextGaussian();
        }
        x = new Activations(xv, batch, COLS).prepare(t);
        y = new float[batch * ROWS];
        kernels = impl.equals("native") ? NativeKernels.load() : new JavaKernels();
        if (kernels == null) {
            throw new IllegalStateException("no native kernels on this machine");
        }
    }

    @Benchmark
    public float matmul() {
        kernels.matmul(w, 0, ROWS, x, y, ROWS);
        return y[0];
    }

    /** Runs the benchmarks; arguments are pairs {@code param value[,value…]}, e.g. {@code type Q4_K,Q6_K batch 1 impl native}. */
    public static void main(String[] args) throws RunnerException {
        OptionsBuilder o = new OptionsBuilder();
        o.include(KernelBench.class.getName() + ".*");
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.param(args[i], args[i + 1].split(","));
        }
        new Runner(o.build()).run();
    }
}
