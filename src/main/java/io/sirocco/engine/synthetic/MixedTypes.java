package io.sirocco.engine.synthetic;

import io.sirocco.engine.gguf.GgmlType;

import java.util.function.Function;

/**
 * The per-tensor types llama-quantize picks for its mixes ({@code llama_tensor_get_type} in
 * llama.cpp's src/llama-quant.cpp, llama architecture, no importance matrix). For an 8-expert model's
 * {@code Q4_K_M}: Q4_K by default, Q5_K for {@code attn_output}, Q8_0 for {@code attn_k}/{@code attn_v},
 * Q6_K for {@code output} and for {@code ffn_down} in the layers {@code use_more_bits} selects (about
 * half). Norms and the MoE router stay F32 (the writer's rule). llama-quantize counts {@code attn_v}
 * tensors in its own tensor order; this takes the layer index, which is the same for models of at most
 * ten layers (and irrelevant for 8-expert models, whose {@code attn_v} is always Q8_0).
 */
public final class MixedTypes {
    private MixedTypes() {
    }

    /** The mixes, with llama_ftype's code (general.file_type) and their default type. */
    public enum Mix {
        Q2_K(10, GgmlType.Q2_K),
        Q3_K_M(12, GgmlType.Q3_K),
        Q4_K_M(15, GgmlType.Q4_K),
        Q5_K_M(17, GgmlType.Q5_K),
        Q6_K(18, GgmlType.Q6_K),
        IQ4_XS(30, GgmlType.IQ4_XS);

        public final int fileType;
        public final GgmlType base;

        Mix(int fileType, GgmlType base) {
            this.fileType = fileType;
            this.base = base;
        }

        /** The type of each 2-D/3-D tensor of a model of this shape. */
        public Function<SyntheticModel.Weights, GgmlType> typeOf(ModelSpec spec) {
            return t -> fallback(rule(this, spec, t.name()), t.ne()[0]);
        }
    }

    private static boolean useMoreBits(int layer, int nLayer) {
        return layer < nLayer / 8 || layer >= 7 * nLayer / 8 || (layer - nLayer / 8) % 3 == 2;
    }

    private static GgmlType rule(Mix mix, ModelSpec spec, String name) {
        GgmlType type = mix.base;
        int layer = SyntheticModelWriter.layerOf(name);
        int nLayer = spec.nLayer();
        boolean eightExperts = spec.nExpert() == 8;
        int gqa = spec.nHead() / spec.nHeadKv();
        if (name.equals("output.weight")) {
            return type == GgmlType.Q8_0 ? type : GgmlType.Q6_K;
        } else if (name.contains("attn_v.weight")) {
            switch (mix) {
                case Q2_K -> type = gqa >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K;
                case Q3_K_M -> type = layer < 2 ? GgmlType.Q5_K : GgmlType.Q4_K;
                case IQ4_XS -> type = gqa >= 4 ? GgmlType.Q5_K : type;
                case Q4_K_M, Q5_K_M -> type = useMoreBits(layer, nLayer) ? GgmlType.Q6_K : type;
                default -> {
                }
            }
            return eightExperts ? GgmlType.Q8_0 : type;
        } else if (name.contains("attn_k.weight")) {
            return eightExperts ? GgmlType.Q8_0 : type;
        } else if (name.contains("ffn_down")) {
            return switch (mix) {
                case Q2_K -> GgmlType.Q3_K;
                case Q3_K_M -> layer < nLayer / 16 ? GgmlType.Q5_K : GgmlType.Q4_K;
                case Q4_K_M, Q5_K_M -> useMoreBits(layer, nLayer) ? GgmlType.Q6_K : type;
                case IQ4_XS -> layer < nLayer / 8 ? GgmlType.Q5_K : type;
                case Q6_K -> type;
            };
        } else if (name.contains("attn_output.weight")) {
            if (eightExperts) {
                return mix == Mix.Q5_K_M || mix == Mix.Q6_K ? type : GgmlType.Q5_K;
            }
            return mix == Mix.Q2_K ? GgmlType.Q3_K : mix == Mix.Q3_K_M ? GgmlType.Q4_K : type;
        }
        return type;
    }

    /** llama-quantize's replacement when a row is not a multiple of the type's block. */
    private static GgmlType fallback(GgmlType type, long rowLength) {
        if (rowLength % type.blockSize == 0) {
            return type;
        }
        GgmlType t = switch (type) {
            case Q2_K, Q3_K, IQ4_XS -> GgmlType.IQ4_NL;
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            default -> throw new IllegalArgumentException("no fallback for " + type);
        };
        return rowLength % t.blockSize == 0 ? t : GgmlType.F16;
    }
}
