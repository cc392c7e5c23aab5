package io.sirocco.engine.model;

import io.sirocco.engine.EngineException;
import io.sirocco.engine.gguf.GgufFile;

import java.util.Set;

/**
 * Hyper-parameters of a llama-architecture model (Mistral, Mixtral), read from the GGUF metadata
 * keys prefixed by {@code general.architecture}.
 *
 * @param slidingWindow attention window in positions (a position attends to the last {@code slidingWindow}
 *                      positions, itself included); 0 = full causal attention
 * @param pooling       embedding pooling: {@link #POOL_MEAN}, {@link #POOL_CLS} or {@link #POOL_LAST}
 */
public record ModelConfig(String architecture, String name, int contextLength, int nEmbd, int nLayer, int nHead,
                          int nHeadKv, int headDim, int nFf, int nRot, float ropeBase, float rmsEps, int nExpert,
                          int nExpertUsed, int slidingWindow, int pooling) {
    public static final int POOL_MEAN = 1;
    public static final int POOL_CLS = 2;
    public static final int POOL_LAST = 3;
    /** Architectures that share llama's graph (Mixtral GGUFs say "llama"). */
    static final Set<String> LLAMA_LIKE = Set.of("llama", "mistral", "mixtral");

    public static ModelConfig from(GgufFile f) {
        String arch = f.getString("general.architecture", null);
        if (arch == null) {
            throw new EngineException(f.path() + ": missing general.architecture");
        }
        if (!LLAMA_LIKE.contains(arch)) {
            throw new EngineException(f.path() + ": unsupported architecture '" + arch + "' (llama only)");
        }
        String p = arch + ".";
        int nEmbd = f.requireInt(p + "embedding_length");
        int nHead = f.requireInt(p + "attention.head_count");
        int nHeadKv = f.getInt(p + "attention.head_count_kv", nHead);
        int headDim = f.getInt(p + "attention.key_length", nHead > 0 ? nEmbd / nHead : 0);
        int nExpert = f.getInt(p + "expert_count", 0);
        ModelConfig c = new ModelConfig(arch, f.getString("general.name", f.path().getFileName().toString()),
                f.getInt(p + "context_length", 4096), nEmbd, f.requireInt(p + "block_count"), nHead, nHeadKv,
                headDim, f.requireInt(p + "feed_forward_length"), f.getInt(p + "rope.dimension_count", headDim),
                f.getFloat(p + "rope.freq_base", 10000f), f.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f),
                nExpert, f.getInt(p + "expert_used_count", 0), f.getInt(p + "attention.sliding_window", 0),
                pooling(f.getInt(p + "pooling_type", POOL_MEAN)));
        c.validate(f);
        return c;
    }

    /** llama.cpp's pooling_type: 2 = first token (CLS), 3 = last token; anything else pools the mean. */
    private static int pooling(int type) {
        return type == POOL_CLS || type == POOL_LAST ? type : POOL_MEAN;
    }

    private void validate(GgufFile f) {
        String problem = null;
        if (nEmbd <= 0 || nLayer <= 0 || nHead <= 0 || nHeadKv <= 0 || nFf <= 0 || headDim <= 0) {
            problem = "non-positive dimension";
        } else if (nHead % nHeadKv != 0) {
            problem = "head_count " + nHead + " is not a multiple of head_count_kv " + nHeadKv;
        } else if (nRot > headDim || nRot % 2 != 0) {
            problem = "bad rope.dimension_count " + nRot;
        } else if (nExpert > 0 && (nExpertUsed <= 0 || nExpertUsed > nExpert)) {
            problem = "expert_used_count " + nExpertUsed + " with expert_count " + nExpert;
        } else if (contextLength <= 0) {
            problem = "bad context_length " + contextLength;
        }
        if (problem != null) {
            throw new EngineException(f.path() + ": " + problem);
        }
    }

    public int qDim() {
        return nHead * headDim;
    }

    public int kvDim() {
        return nHeadKv * headDim;
    }

    public boolean moe() {
        return nExpert > 0;
    }
}
