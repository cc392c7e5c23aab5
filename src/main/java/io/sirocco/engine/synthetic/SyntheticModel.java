package io.sirocco.engine.synthetic;

import io.sirocco.engine.random.SplitMix64;

import java.util.ArrayList;
import java.util.List;

/**
 * Generates the F32 weights of a {@link ModelSpec} exactly as the conformance pack specifies
 * (golden README §5–6): tensors in generation order, one splitmix64 stream per model.
 */
public final class SyntheticModel {
    private SyntheticModel() {
    }

    /** A generated tensor; {@code kind} selects its gain, null for norms (all ones). */
    public record Weights(String name, String kind, long[] ne, float[] data) {
        public boolean isNorm() {
            return kind == null;
        }
    }

    /** GAIN per kind (README §6). */
    static double gain(String kind) {
        return switch (kind) {
            case "token_embd", "attn_v", "ffn_gate", "ffn_up" -> 1.0;
            case "attn_q", "attn_k" -> 1.25;
            case "attn_output", "ffn_down" -> 0.6;
            case "ffn_gate_inp" -> 8.0;
            case "output" -> 4.0;
            default -> throw new IllegalArgumentException(kind);
        };
    }

    public static float amplitude(String kind, int fanIn) {
        return (float) (gain(kind) * Math.sqrt(12.0 / fanIn));
    }

    public static List<Weights> generate(ModelSpec s) {
        List<Weights> out = new ArrayList<>();
        generate(s, out::add);
        return out;
    }

    /** Streams the tensors in generation order (one tensor's floats alive at a time). */
    public static void generate(ModelSpec s, java.util.function.Consumer<Weights> out) {
        int e = s.nEmbd();
        int d = s.headDim();
        int qDim = s.nHead() * d;
        int kvDim = s.nHeadKv() * d;
        int f = s.nFf();
        int x = s.nExpert();
        SplitMix64 rng = new SplitMix64(s.seed());
        out.accept(random(rng, "token_embd.weight", "token_embd", 1, e, ModelSpec.VOCAB));
        for (int l = 0; l < s.nLayer(); l++) {
            String p = "blk." + l + ".";
            out.accept(norm(p + "attn_norm.weight", e));
            out.accept(random(rng, p + "attn_q.weight", "attn_q", e, e, qDim));
            out.accept(random(rng, p + "attn_k.weight", "attn_k", e, e, kvDim));
            out.accept(random(rng, p + "attn_v.weight", "attn_v", e, e, kvDim));
            out.accept(random(rng, p + "attn_output.weight", "attn_output", qDim, qDim, e));
            out.accept(norm(p + "ffn_norm.weight", e));
            if (s.moe()) {
                out.accept(random(rng, p + "ffn_gate_inp.weight", "ffn_gate_inp", e, e, x));
                out.accept(random(rng, p + "ffn_gate_exps.weight", "ffn_gate", e, e, f, x));
                out.accept(random(rng, p + "ffn_up_exps.weight", "ffn_up", e, e, f, x));
                out.accept(random(rng, p + "ffn_down_exps.weight", "ffn_down", f, f, e, x));
            } else {
                out.accept(random(rng, p + "ffn_gate.weight", "ffn_gate", e, e, f));
                out.accept(random(rng, p + "ffn_up.weight", "ffn_up", e, e, f));
                out.accept(random(rng, p + "ffn_down.weight", "ffn_down", f, f, e));
            }
        }
        out.accept(norm("output_norm.weight", e));
        if (!s.embedding()) {
            out.accept(random(rng, "output.weight", "output", e, e, ModelSpec.VOCAB));
        }
    }

    private static Weights norm(String name, int n) {
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 1.0f);
        return new Weights(name, null, new long[]{n}, ones);
    }

    private static Weights random(SplitMix64 rng, String name, String kind, int fanIn, long... ne) {
        float a = amplitude(kind, fanIn);
        long n = 1;
        for (long v : ne) {
            n *= v;
        }
        float[] data = new float[Math.toIntExact(n)];
        for (int i = 0; i < data.length; i++) {
            data[i] = rng.nextWeight(a);
        }
        return new Weights(name, kind, ne, data);
    }
}
