package io.sirocco.engine.kernels;

import io.sirocco.engine.gguf.GgmlType;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Kernels in C ({@code src/main/c/sirocco.c}, {@code kquants.c} and {@code iquants.c}), called through FFM. The Maven build compiles one
 * library per ISA target into the classpath; {@link #load()} extracts the generic one, asks it for the
 * CPU's features and loads the best variant. Heap arrays go to C without copies (critical downcalls).
 */
public final class NativeKernels implements Kernels {
    public static final List<String> VARIANTS = List.of("generic", "avx2", "avx512vnni", "avx512vbmi");
    private static final int AVX2 = 1, FMA = 2, F16C = 4, AVX512 = 8, VNNI = 16, VBMI = 32;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final java.lang.foreign.AddressLayout A = ValueLayout.ADDRESS;

    private final String variant;
    private final MethodHandle f32;
    private final MethodHandle f16;
    private final MethodHandle bf16;
    private final MethodHandle q8_0;
    private final MethodHandle q4_0;
    private final MethodHandle q5_0;
    private final MethodHandle q5_1;
    private final MethodHandle q4_K;
    private final MethodHandle q6_K;
    private final MethodHandle q5_K;
    private final MethodHandle q3_K;
    private final MethodHandle q2_K;
    private final MethodHandle iq4_nl;
    private final MethodHandle iq4_xs;
    private final java.util.Map<GgmlType, MethodHandle> iquants = new java.util.EnumMap<>(GgmlType.class);
    private final MethodHandle triad;
    private final MethodHandle fill;

    private NativeKernels(String variant, SymbolLookup lib) {
        this.variant = variant;
        Linker linker = Linker.nativeLinker();
        Linker.Option critical = Linker.Option.critical(true);
        FunctionDescriptor floatSig = FunctionDescriptor.ofVoid(A, L, I, I, I, A, I, A, I);
        FunctionDescriptor quantSig = FunctionDescriptor.ofVoid(A, L, I, I, I, A, A, I, A, I);
        f32 = linker.downcallHandle(lib.findOrThrow("sr_matmul_f32"), floatSig, critical);
        f16 = linker.downcallHandle(lib.findOrThrow("sr_matmul_f16"), floatSig, critical);
        bf16 = linker.downcallHandle(lib.findOrThrow("sr_matmul_bf16"), floatSig, critical);
        FunctionDescriptor extraSig = FunctionDescriptor.ofVoid(A, L, I, I, I, A, A, A, I, A, I);
        q8_0 = linker.downcallHandle(lib.findOrThrow("sr_matmul_q8_0"), extraSig, critical);
        q4_0 = linker.downcallHandle(lib.findOrThrow("sr_matmul_q4_0"), extraSig, critical);
        q5_0 = linker.downcallHandle(lib.findOrThrow("sr_matmul_q5_0"), quantSig, critical);
        q5_1 = linker.downcallHandle(lib.findOrThrow("sr_matmul_q5_1"), extraSig, critical);
        q4_K = linker.downcallHandle(lib.findOrThrow("sr_matmul_q4_K"), extraSig, critical);
        q6_K = linker.downcallHandle(lib.findOrThrow("sr_matmul_q6_K"), extraSig, critical);
        q5_K = linker.downcallHandle(lib.findOrThrow("sr_matmul_q5_K"), extraSig, critical);
        q3_K = linker.downcallHandle(lib.findOrThrow("sr_matmul_q3_K"), extraSig, critical);
        q2_K = linker.downcallHandle(lib.findOrThrow("sr_matmul_q2_K"), extraSig, critical);
        iq4_xs = linker.downcallHandle(lib.findOrThrow("sr_matmul_iq4_xs"), extraSig, critical);
        iq4_nl = linker.downcallHandle(lib.findOrThrow("sr_matmul_iq4_nl"), quantSig, critical);
        for (GgmlType t : List.of(GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ2_S, GgmlType.IQ3_XXS, GgmlType.IQ3_S,
                GgmlType.IQ1_S, GgmlType.IQ1_M)) { // iquants.c
            iquants.put(t, linker.downcallHandle(lib.findOrThrow("sr_matmul_" + t.name().toLowerCase(Locale.ROOT)),
                    extraSig, critical));
        }
        triad = linker.downcallHandle(lib.findOrThrow("sr_triad"),
                FunctionDescriptor.ofVoid(A, A, A, L, ValueLayout.JAVA_DOUBLE));
        fill = linker.downcallHandle(lib.findOrThrow("sr_fill"), FunctionDescriptor.ofVoid(A, L, ValueLayout.JAVA_DOUBLE));
    }

    /** The best variant for this CPU, or null when no native library can be loaded. */
    public static NativeKernels load() {
        List<String> usable = usableVariants();
        String forced = System.getProperty("sirocco.native.variant");
        if (forced != null) {
            return usable.contains(forced) ? load(forced) : null;
        }
        return usable.isEmpty() ? null : load(usable.get(usable.size() - 1));
    }

    /** The variants that are packaged and that this CPU can run, worst first. */
    public static List<String> usableVariants() {
        List<String> out = new ArrayList<>();
        try {
            SymbolLookup generic = lookup("generic");
            if (generic == null) {
                return out;
            }
            MethodHandle h = Linker.nativeLinker().downcallHandle(generic.findOrThrow("sr_features"),
                    FunctionDescriptor.of(I));
            int f = (int) h.invokeExact();
            out.add("generic");
            if ((f & (AVX2 | FMA | F16C)) == (AVX2 | FMA | F16C) && resource("avx2") != null) {
                out.add("avx2");
            }
            if ((f & (AVX2 | FMA | F16C | AVX512 | VNNI)) == (AVX2 | FMA | F16C | AVX512 | VNNI)
                    && resource("avx512vnni") != null) {
                out.add("avx512vnni");
                if ((f & VBMI) != 0 && resource("avx512vbmi") != null) {
                    out.add("avx512vbmi"); // zmm.c's 512-bit Q8_0/Q4_0 kernels
                }
            }
        } catch (Throwable e) {
            out.clear();
        }
        return out;
    }

    /** A specific variant (the caller checked the CPU supports it), or null. */
    public static NativeKernels load(String variant) {
        try {
            SymbolLookup lib = lookup(variant);
            return lib == null ? null : new NativeKernels(variant, lib);
        } catch (Throwable e) {
            return null;
        }
    }

    private static String resource(String variant) {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux") ? "linux"
                : System.getProperty("os.name").toLowerCase(Locale.ROOT).replace(" ", "");
        String arch = System.getProperty("os.arch");
        arch = arch.equals("amd64") ? "x86_64" : arch.equals("arm64") ? "aarch64" : arch;
        String name = "/io/sirocco/engine/native/" + os + "-" + arch + "/libsirocco-" + variant + ".so";
        return NativeKernels.class.getResource(name) != null ? name : null;
    }

    private static SymbolLookup lookup(String variant) throws IOException {
        String res = resource(variant);
        if (res == null) {
            return null;
        }
        Path tmp = Files.createTempFile("libsirocco-" + variant, ".so");
        tmp.toFile().deleteOnExit();
        try (InputStream in = NativeKernels.class.getResourceAsStream(res)) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        return SymbolLookup.libraryLookup(tmp, Arena.global());
    }

    /** C trusts its arguments: check every index it will touch so a bug cannot crash the JVM. */
    static void checkBounds(Matrix w, int r0, int r1, Activations x, float[] y, int yStride) {
        long n = (long) x.count * w.cols();
        boolean ok = 0 <= r0 && r0 <= r1 && r1 <= w.rows() && x.dim == w.cols() && x.values.length >= n
                && yStride >= r1 && (x.count == 0 || (long) (x.count - 1) * yStride + r1 <= y.length)
                && (!w.type().quantizedActivations() || (w.type().kQuant()
                    ? x.isQuantizedK() && x.quantsK().length >= n && x.scalesK().length >= n / 256
                        && x.blockSumsK().length >= n / 16
                    : x.isQuantized() && x.quants().length >= n && x.scales().length >= n / 32
                        && x.blockSums().length >= n / 32 && x.blockIntSums().length >= n / 32));
        if (!ok) {
            throw new IllegalArgumentException("matmul arguments out of bounds for " + w.name());
        }
    }

    @Override
    public String name() {
        return "native-" + variant;
    }

    @Override
    public void matmul(Matrix w, int r0, int r1, Activations x, float[] y, int yStride) {
        checkBounds(w, r0, r1, x, y, yStride);
        MemorySegment ws = w.data();
        MemorySegment ys = MemorySegment.ofArray(y);
        try {
            switch (w.type()) {
                case F32 -> f32.invokeExact(ws, w.rowBytes(), w.cols(), r0, r1, MemorySegment.ofArray(x.values),
                        x.count, ys, yStride);
                case F16 -> f16.invokeExact(ws, w.rowBytes(), w.cols(), r0, r1, MemorySegment.ofArray(x.values),
                        x.count, ys, yStride);
                case BF16 -> bf16.invokeExact(ws, w.rowBytes(), w.cols(), r0, r1, MemorySegment.ofArray(x.values),
                        x.count, ys, yStride);
                case Q8_0 -> q8_0.invokeExact(ws, w.rowBytes(), w.cols(), r0, r1, MemorySegment.ofArray(x.quants()),
                        MemorySegment.ofArray(x.scales()), MemorySegment.ofArray(x.blockIntSums()), x.count, ys, yStride);
                case Q4_0 -> q4_0.invokeExact(ws, w.rowBytes(), w.cols(), r0, r1, MemorySegment.ofArray(x.quants()),
                        MemorySegment.ofArray(x.scales()), MemorySegment.ofArray(x.blockIntSums()), x.count, ys, yStride);
                case Q5_0 -> q5_0.invokeExact(ws, w.rowBytes(), w.cols(), r0, r1, MemorySegment.ofArray(x.quants()),
                        MemorySegment.ofArray(x.scales()), x.count, ys, yStride);
                case Q5_1 -> q5_1.invokeExact(ws, w.rowBytes(), w.cols(), r0, r1, MemorySegment.ofArray(x.quants()),
                        MemorySegment.ofArray(x.scales()), MemorySegment.ofArray(x.blockSums()), x.count, ys, yStride);
                case Q4_K -> q4_K.invokeExact(ws, w.rowBytes(), w.cols(), r0, r1, MemorySegment.ofArray(x.quantsK()),
                        MemorySegment.ofArray(x.scalesK()), MemorySegment.ofArray(x.blockSumsK()), x.count, ys, yStride);
                case Q6_K -> q6_K.invokeExact(ws, w.rowBytes(), w.cols(), r0, r1, MemorySegment.ofArray(x.quantsK()),
                        MemorySegment.ofArray(x.scalesK()), MemorySegment.ofArray(x.blockSumsK()), x.count, ys, yStride);
                case Q5_K, Q3_K, Q2_K, IQ4_XS, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M -> kQuant(w.type()).invokeExact(ws, w.rowBytes(), w.cols(), r0, r1,
                        MemorySegment.ofArray(x.quantsK()), MemorySegment.ofArray(x.scalesK()),
                        MemorySegment.ofArray(x.blockSumsK()), x.count, ys, yStride);
                case IQ4_NL -> iq4_nl.invokeExact(ws, w.rowBytes(), w.cols(), r0, r1, MemorySegment.ofArray(x.quants()),
                        MemorySegment.ofArray(x.scales()), x.count, ys, yStride);
                default -> throw new UnsupportedOperationException("matmul " + w.type());
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** The kquants.c kernel of a Q8_K-activation type. */
    private MethodHandle kQuant(GgmlType type) {
        return switch (type) {
            case Q5_K -> q5_K;
            case Q3_K -> q3_K;
            case Q2_K -> q2_K;
            case IQ4_XS -> iq4_xs;
            case IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M -> iquants.get(type);
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    /** STREAM triad a = b + s·c over {@code n} doubles of native segments (bench only). */
    public void triad(MemorySegment a, MemorySegment b, MemorySegment c, long n, double s) {
        if (a.byteSize() < 8 * n || b.byteSize() < 8 * n || c.byteSize() < 8 * n || a.isReadOnly()) {
            throw new IllegalArgumentException("triad arrays too small");
        }
        try {
            triad.invokeExact(a, b, c, n, s);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fills {@code n} doubles with v (first touch, bench only). */
    public void fill(MemorySegment a, long n, double v) {
        if (a.byteSize() < 8 * n || a.isReadOnly()) {
            throw new IllegalArgumentException("fill array too small");
        }
        try {
            fill.invokeExact(a, n, v);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
