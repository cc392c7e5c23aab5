package io.sirocco.engine.synthetic;

import io.sirocco.engine.gguf.GgmlType;

/**
 * Per-tensor type choices like llama-quantize's {@code Q4_K_M}: Q6_K for the LM head, {@code attn_v}
 * and {@code ffn_down} in every other layer, Q4_K elsewhere; a row length that is not a multiple of
 * 256 falls back to Q5_0 (for Q4_K) or Q8_0 (for Q6_K), as llama.cpp does.
 */
public final class MixedTypes {
    private MixedTypes() {
    }

    public static GgmlType q4KM(SyntheticModel.Weights t) {
        String n = t.name();
        int layer = SyntheticModelWriter.layerOf(n);
        boolean high = n.equals("output.weight")
                || ((n.contains("attn_v") || n.contains("ffn_down")) && layer % 2 == 0);
        GgmlType type = high ? GgmlType.Q6_K : GgmlType.Q4_K;
        if (t.ne()[0] % 256 != 0) {
            type = high ? GgmlType.Q8_0 : GgmlType.Q5_0;
        }
        return type;
    }
}
