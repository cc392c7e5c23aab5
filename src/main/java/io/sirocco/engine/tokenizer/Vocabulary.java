package io.sirocco.engine.tokenizer;

import io.sirocco.engine.EngineException;
import io.sirocco.engine.gguf.GgufFile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF vocabulary: pieces, scores (SentencePiece) or merges (byte-level BPE), token types and the special ids,
 * with the flags llama.cpp derives from {@code tokenizer.ggml.model} and {@code tokenizer.ggml.pre}.
 */
public final class Vocabulary {
    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_USER_DEFINED = 4;
    public static final int TYPE_UNUSED = 5;
    public static final int TYPE_BYTE = 6;

    /** {@code tokenizer.ggml.model}: {@code llama} = SentencePiece, {@code gpt2} = byte-level BPE. */
    public enum Kind { SPM, BPE }

    private final Kind kind;
    private final String[] pieces;
    private final float[] scores;
    private final int[] types;
    private final Map<String, Integer> ids;
    private final Map<String, Integer> mergeRanks;
    private final int[] byteIds = new int[256];
    private final int[] specials;
    private final PreTokenizer preTokenizer;
    private final String chatTemplate;
    public final int bos;
    public final int eos;
    public final int unk;
    public final boolean addBos;
    public final boolean addEos;
    public final boolean addSpacePrefix;
    /** BPE: a word that is itself a token is taken whole (llama-bpe, tekken). */
    public final boolean ignoreMerges;
    /** BPE detokenize: clean_up_tokenization_spaces. */
    public final boolean cleanSpaces;
    /** Special tokens strip the spaces after them in text (phi-3). */
    final boolean specialsRstrip;

    /** A SentencePiece vocabulary. */
    public Vocabulary(String[] pieces, float[] scores, int[] types, int bos, int eos, int unk, boolean addBos,
                      boolean addSpacePrefix) {
        this(Kind.SPM, pieces, scores, types, null, null, bos, eos, unk, addBos, false, addSpacePrefix, false, false,
                false, null);
    }

    private Vocabulary(Kind kind, String[] pieces, float[] scores, int[] types, String[] merges, PreTokenizer pre,
                       int bos, int eos, int unk, boolean addBos, boolean addEos, boolean addSpacePrefix,
                       boolean ignoreMerges, boolean cleanSpaces, boolean specialsRstrip, String chatTemplate) {
        this.kind = kind;
        this.pieces = pieces;
        this.scores = scores;
        this.types = types;
        this.preTokenizer = pre;
        this.bos = bos;
        this.eos = eos;
        this.unk = unk;
        this.addBos = addBos;
        this.addEos = addEos;
        this.addSpacePrefix = addSpacePrefix;
        this.ignoreMerges = ignoreMerges;
        this.cleanSpaces = cleanSpaces;
        this.specialsRstrip = specialsRstrip;
        this.chatTemplate = chatTemplate;
        this.ids = new HashMap<>(pieces.length * 2);
        Arrays.fill(byteIds, -1);
        for (int i = 0; i < pieces.length; i++) {
            ids.put(pieces[i], i); // like llama.cpp, a later duplicate wins
            if (types[i] == TYPE_BYTE && kind == Kind.SPM) {
                byteIds[byteValue(i)] = i;
            }
        }
        this.mergeRanks = new HashMap<>(merges == null ? 0 : merges.length * 2);
        if (merges != null) {
            for (int r = 0; r < merges.length; r++) {
                int sp = merges[r].indexOf(' ', 1);
                if (sp > 0) {
                    mergeRanks.putIfAbsent(pair(merges[r].substring(0, sp), merges[r].substring(sp + 1)), r);
                }
            }
        }
        List<Integer> special = new ArrayList<>();
        for (int i = 0; i < pieces.length; i++) {
            if (types[i] == TYPE_CONTROL || types[i] == TYPE_USER_DEFINED || types[i] == TYPE_UNKNOWN) {
                special.add(i);
            }
        }
        special.sort(Comparator.comparingInt((Integer i) -> -pieces[i].length()).thenComparingInt(i -> i));
        this.specials = special.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Reads the tokenizer keys of a GGUF file (a whole model or a vocab-only file). */
    public static Vocabulary from(GgufFile f) {
        String model = f.getString("tokenizer.ggml.model", null);
        Kind kind = switch (model == null ? "" : model) {
            case "llama" -> Kind.SPM;
            case "gpt2" -> Kind.BPE;
            default -> throw new EngineException(f.path() + ": unsupported tokenizer model " + model
                    + " (supported: llama = SentencePiece, gpt2 = byte-level BPE)");
        };
        if (!(f.get("tokenizer.ggml.tokens") instanceof String[] pieces)) {
            throw new EngineException(f.path() + ": missing tokenizer.ggml.tokens");
        }
        float[] scores = f.get("tokenizer.ggml.scores") instanceof float[] s ? s : new float[pieces.length];
        if (scores.length != pieces.length) {
            throw new EngineException(f.path() + ": " + scores.length + " scores for " + pieces.length + " tokens");
        }
        int[] types = new int[pieces.length];
        Arrays.fill(types, TYPE_NORMAL);
        if (f.get("tokenizer.ggml.token_type") instanceof long[] t) {
            for (int i = 0; i < Math.min(t.length, types.length); i++) {
                types[i] = (int) t[i];
            }
        }
        String pre = f.getString("tokenizer.ggml.pre", null);
        String template = f.getString("tokenizer.chat_template", null);
        String name = f.getString("general.name", "").toLowerCase(java.util.Locale.ROOT);
        boolean rstrip = name.contains("phi-3") || name.contains("phi3");
        if (kind == Kind.SPM) {
            return new Vocabulary(kind, pieces, scores, types, null, null,
                    id(f, "bos", 1, pieces), id(f, "eos", 2, pieces), id(f, "unknown", 0, pieces),
                    f.getBool("tokenizer.ggml.add_bos_token", true), f.getBool("tokenizer.ggml.add_eos_token", false),
                    f.getBool("tokenizer.ggml.add_space_prefix", true), false, false, rstrip, template);
        }
        if (!(f.get("tokenizer.ggml.merges") instanceof String[] merges)) {
            throw new EngineException(f.path() + ": a gpt2 (BPE) vocabulary needs tokenizer.ggml.merges");
        }
        PreTokenizer pt;
        try {
            pt = PreTokenizer.named(pre);
        } catch (EngineException e) {
            throw new EngineException(f.path() + ": " + e.getMessage());
        }
        String p = pt.name();
        boolean wholeWords = p.equals("tekken") || p.equals("llama-bpe") || p.equals("llama3") || p.equals("llama-v3")
                || p.equals("falcon3");
        boolean clean = !(p.equals("tekken") || p.startsWith("deepseek") || p.equals("command-r") || p.equals("qwen2")
                || p.equals("smollm") || p.equals("deepseek-r1-qwen"));
        return new Vocabulary(kind, pieces, scores, types, merges, pt,
                id(f, "bos", 11, pieces), id(f, "eos", 11, pieces), id(f, "unknown", -1, pieces),
                f.getBool("tokenizer.ggml.add_bos_token", wholeWords), f.getBool("tokenizer.ggml.add_eos_token", false),
                f.getBool("tokenizer.ggml.add_space_prefix", false), wholeWords, clean, rstrip, template);
    }

    /** A special id from {@code tokenizer.ggml.<name>_token_id}; an id outside the vocabulary keeps the default. */
    private static int id(GgufFile f, String name, int def, String[] pieces) {
        int id = f.getInt("tokenizer.ggml." + name + "_token_id", def);
        return id >= 0 && id < pieces.length ? id : def;
    }

    private static String pair(String left, String right) {
        return left + '\u0000' + right;
    }

    public Kind kind() {
        return kind;
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

    /** The rank of the BPE merge left+right (lower merges first), or -1. */
    int mergeRank(String left, String right) {
        Integer r = mergeRanks.get(pair(left, right));
        return r == null ? -1 : r;
    }

    PreTokenizer preTokenizer() {
        return preTokenizer;
    }

    /** The file's {@code tokenizer.chat_template}, or null. */
    public String chatTemplate() {
        return chatTemplate;
    }

    /** Control, user-defined and unknown tokens, longest text first: llama.cpp's order for splitting them out of text. */
    int[] specials() {
        return specials;
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

    /** Control and unknown tokens: only a template may produce them, never text. */
    public boolean isTemplateOnly(int id) {
        return types[id] == TYPE_CONTROL || types[id] == TYPE_UNKNOWN;
    }
}
