package io.sirocco.engine.tokenizer;

import io.sirocco.engine.EngineException;
import io.sirocco.engine.gguf.GgufFile;

import java.util.HashMap;
import java.util.Map;

/** A SentencePiece vocabulary: pieces, scores and GGUF token types, with the special ids. */
public final class Vocabulary {
    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_USER_DEFINED = 4;
    public static final int TYPE_UNUSED = 5;
    public static final int TYPE_BYTE = 6;

    private final String[] pieces;
    private final float[] scores;
    private final int[] types;
    private final Map<String, Integer> ids;
    private final int[] byteIds = new int[256];
    public final int bos;
    public final int eos;
    public final int unk;
    public final boolean addBos;
    public final boolean addSpacePrefix;

    public Vocabulary(String[] pieces, float[] scores, int[] types, int bos, int eos, int unk, boolean addBos,
                      boolean addSpacePrefix) {
        this.pieces = pieces;
        this.scores = scores;
        this.types = types;
        this.bos = bos;
        this.eos = eos;
        this.unk = unk;
        this.addBos = addBos;
        this.addSpacePrefix = addSpacePrefix;
        this.ids = new HashMap<>(pieces.length * 2);
        java.util.Arrays.fill(byteIds, -1);
        for (int i = 0; i < pieces.length; i++) {
            ids.put(pieces[i], i); // like llama.cpp, a later duplicate wins
            if (types[i] == TYPE_BYTE) {
                byteIds[byteValue(i)] = i;
            }
        }
    }

    public static Vocabulary from(GgufFile f) {
        String model = f.getString("tokenizer.ggml.model", null);
        if (!"llama".equals(model)) {
            throw new EngineException(f.path() + ": unsupported tokenizer model " + model + " (only llama/SentencePiece)");
        }
        if (!(f.get("tokenizer.ggml.tokens") instanceof String[] pieces)) {
            throw new EngineException(f.path() + ": missing tokenizer.ggml.tokens");
        }
        float[] scores = f.get("tokenizer.ggml.scores") instanceof float[] s ? s : new float[pieces.length];
        int[] types = new int[pieces.length];
        java.util.Arrays.fill(types, TYPE_NORMAL);
        if (f.get("tokenizer.ggml.token_type") instanceof long[] t) {
            for (int i = 0; i < Math.min(t.length, types.length); i++) {
                types[i] = (int) t[i];
            }
        }
        if (scores.length != pieces.length) {
            throw new EngineException(f.path() + ": " + scores.length + " scores for " + pieces.length + " tokens");
        }
        return new Vocabulary(pieces, scores, types,
                f.getInt("tokenizer.ggml.bos_token_id", 1), f.getInt("tokenizer.ggml.eos_token_id", 2),
                f.getInt("tokenizer.ggml.unknown_token_id", 0), f.getBool("tokenizer.ggml.add_bos_token", true),
                f.getBool("tokenizer.ggml.add_space_prefix", true));
    }

    public int size() {
        return pieces.length;
    }

    public String piece(int id) {
        return pieces[id];
    }

    public float score(int id) {
        return scores[id];
    }

    public int type(int id) {
        return types[id];
    }

    /** The id of an exact piece, or -1. */
    public int id(String piece) {
        Integer id = ids.get(piece);
        return id == null ? -1 : id;
    }

    /** The byte-fallback token of a byte, or -1. */
    public int byteToken(int b) {
        return byteIds[b & 0xff];
    }

    /** The byte a {@code <0xXX>} token stands for. */
    public int byteValue(int id) {
        return Integer.parseInt(pieces[id].substring(3, 5), 16);
    }

    public boolean isControl(int id) {
        return types[id] == TYPE_CONTROL;
    }
}
