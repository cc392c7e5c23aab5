package io.sirocco.engine.tokenizer;

import io.sirocco.engine.EngineException;
import io.sirocco.engine.gguf.GgufFile;

import java.util.ArrayList;
import java.util.List;

/**
 * Fill-in-the-middle prompts, for models that have the tokens. Mistral's (Codestral) form, when the vocabulary has
 * {@code [SUFFIX]} and {@code [PREFIX]} as control tokens: {@code <s>[SUFFIX]suffix[PREFIX]prefix}. Otherwise the
 * GGUF's FIM metadata ({@code tokenizer.ggml.fim_pre_token_id}, {@code fim_suf_token_id}, {@code fim_mid_token_id}),
 * in llama.cpp's prefix-suffix-middle order: {@code <s>[FIM_PRE]prefix[FIM_SUF]suffix[FIM_MID]}. The model writes
 * the middle. The special tokens come only from here, never from the texts.
 */
public final class FimTemplate {
    private final Tokenizer tokenizer;
    private final int pre;
    private final int suf;
    private final int mid;
    private final boolean mistral;

    private FimTemplate(Tokenizer tokenizer, int pre, int suf, int mid, boolean mistral) {
        this.tokenizer = tokenizer;
        this.pre = pre;
        this.suf = suf;
        this.mid = mid;
        this.mistral = mistral;
    }

    /** The template of a model, or null when it has no FIM tokens. */
    public static FimTemplate of(Tokenizer tokenizer, GgufFile file) {
        Vocabulary v = tokenizer.vocabulary();
        int prefix = v.id("[PREFIX]");
        int suffix = v.id("[SUFFIX]");
        if (prefix >= 0 && suffix >= 0 && v.isControl(prefix) && v.isControl(suffix)) {
            return new FimTemplate(tokenizer, prefix, suffix, -1, true);
        }
        int p = file.getInt("tokenizer.ggml.fim_pre_token_id", -1);
        int s = file.getInt("tokenizer.ggml.fim_suf_token_id", -1);
        int m = file.getInt("tokenizer.ggml.fim_mid_token_id", -1);
        boolean valid = p >= 0 && s >= 0 && m >= 0 && p < v.size() && s < v.size() && m < v.size();
        return valid ? new FimTemplate(tokenizer, p, s, m, false) : null;
    }

    public int[] encode(String prefix, String suffix) {
        if (prefix == null || suffix == null) {
            throw new EngineException("fill-in-the-middle needs a prefix and a suffix");
        }
        List<Integer> ids = new ArrayList<>();
        ids.add(tokenizer.vocabulary().bos);
        if (mistral) {
            ids.add(suf);
            add(suffix, ids);
            ids.add(pre);
            add(prefix, ids);
        } else {
            ids.add(pre);
            add(prefix, ids);
            ids.add(suf);
            add(suffix, ids);
            ids.add(mid);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private void add(String text, List<Integer> ids) {
        if (!text.isEmpty()) {
            for (int id : tokenizer.encode(text, false)) {
                ids.add(id);
            }
        }
    }
}
