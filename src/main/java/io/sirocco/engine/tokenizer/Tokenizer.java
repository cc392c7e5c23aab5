package io.sirocco.engine.tokenizer;

import io.sirocco.engine.EngineException;
import io.sirocco.engine.gguf.GgufFile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * llama.cpp's tokenizers for a GGUF vocabulary.
 *
 * <p>First the special tokens are split out of the text (longest first): user-defined tokens always,
 * control and unknown tokens only when {@code parseSpecial} (a rendered chat template; never user text).
 * Each remaining text piece is then encoded by the vocabulary's model:
 * <ul>
 * <li>SentencePiece ({@code llama}): a space in front of a piece that starts the text or follows a special
 * token, spaces → ▁, characters merged pairwise by the best-scoring piece (leftmost on ties), characters
 * without a piece as {@code <0xXX>} byte tokens;</li>
 * <li>byte-level BPE ({@code gpt2}): the {@link PreTokenizer} splits the text into words, each word's UTF-8
 * bytes are merged by the lowest-ranked {@code tokenizer.ggml.merges} pair (leftmost on ties).</li>
 * </ul>
 * A merge never produces a control or unknown token: only a template does.
 */
public final class Tokenizer {
    public static final String SPACE = "\u2581";
    private final Vocabulary vocab;

    public Tokenizer(Vocabulary vocab) {
        this.vocab = vocab;
    }

    /** The tokenizer of a GGUF file, a whole model or a vocab-only file (no tensors needed). */
    public static Tokenizer open(Path gguf) {
        try (GgufFile f = GgufFile.open(gguf)) {
            return new Tokenizer(Vocabulary.from(f));
        }
    }

    public Vocabulary vocabulary() {
        return vocab;
    }

    /** User text → ids: control tokens are never parsed from text. BOS first when {@code addBos}. */
    public int[] encode(String text, boolean addBos) {
        return encode(text, addBos, false);
    }

    /**
     * llama.cpp's {@code llama_tokenize(text, add_special, parse_special)}: with {@code addSpecial} the BOS
     * (and EOS) the vocabulary asks for; with {@code parseSpecial} control tokens spelled in the text.
     */
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        List<Integer> out = new ArrayList<>();
        if (addSpecial && vocab.addBos) {
            out.add(vocab.bos);
        }
        encodeFragments(partition(text, parseSpecial), out);
        if (addSpecial && vocab.addEos) {
            out.add(vocab.eos);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The ids of text where special tokens count only outside the ranges {@link PromptText} marked: a rendered
     * chat template whose user strings were protected. The markers are removed before the text is encoded.
     */
    int[] encodeProtected(String rendered, boolean addBos) {
        List<Integer> out = new ArrayList<>();
        if (addBos) {
            out.add(vocab.bos);
        }
        List<Object> fragments = partition(rendered, true);
        for (int i = 0; i < fragments.size(); i++) {
            if (fragments.get(i) instanceof String s) {
                fragments.set(i, PromptText.unprotect(s));
            }
        }
        encodeFragments(fragments, out);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private void encodeFragments(List<Object> fragments, List<Integer> out) {
        boolean prevSpecial = true;
        for (Object f : fragments) {
            if (f instanceof Integer id) {
                out.add(id);
                prevSpecial = true;
            } else {
                String s = (String) f;
                if (vocab.kind() == Vocabulary.Kind.SPM) {
                    String t = vocab.addSpacePrefix && prevSpecial ? " " + s : s;
                    encodeSpm(t.replace(" ", SPACE), out);
                } else {
                    for (String word : vocab.preTokenizer().split(s)) {
                        encodeBpeWord(ByteLevel.encode(word), out);
                    }
                }
                prevSpecial = false;
            }
        }
    }

    /** Text → a list of text pieces (String) and special tokens (Integer), as llama.cpp's tokenizer_st_partition. */
    private List<Object> partition(String text, boolean parseSpecial) {
        List<Object> frags = new ArrayList<>();
        if (text.isEmpty()) {
            return frags;
        }
        frags.add(text);
        for (int id : vocab.specials()) {
            if (!parseSpecial && vocab.isTemplateOnly(id)) {
                continue;
            }
            String tok = vocab.piece(id);
            if (tok.isEmpty()) {
                continue;
            }
            List<Object> next = new ArrayList<>(frags.size() + 2);
            for (Object f : frags) {
                if (!(f instanceof String s)) {
                    next.add(f);
                    continue;
                }
                int from = 0;
                int at;
                while ((at = s.indexOf(tok, from)) >= 0) {
                    int end = at + tok.length();
                    if (at > from) {
                        next.add(s.substring(from, at));
                    }
                    next.add(id);
                    if (vocab.specialsRstrip && rstrips(tok)) {
                        while (end < s.length() && isSpace(s.charAt(end))) {
                            end++;
                        }
                    }
                    from = end;
                }
                if (from < s.length()) {
                    next.add(from == 0 ? s : s.substring(from));
                }
            }
            frags = next;
        }
        return frags;
    }

    /** phi-3: every special token strips the spaces after it except {@code <unk> <s> <|endoftext|>}. */
    private static boolean rstrips(String tok) {
        return !tok.equals("<unk>") && !tok.equals("<s>") && !tok.equals("<|endoftext|>");
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    /** A piece usable by a merge or as a final token: any but control and unknown tokens. */
    private int textId(String piece) {
        int id = vocab.id(piece);
        return id >= 0 && !vocab.isTemplateOnly(id) ? id : -1;
    }

    private record Bigram(int left, int right, float score, int rank, int size) {
    }

    private void encodeSpm(String s, List<Integer> out) {
        // symbols: one per code point, as a linked list over start offsets and lengths (in chars)
        int n = s.codePointCount(0, s.length());
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, off = 0; i < n; i++) {
            start[i] = off;
            len[i] = Character.charCount(s.codePointAt(off));
            off += len[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) ->
                a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) {
            addSpmBigram(s, start, len, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            int l = b.left;
            int r = b.right;
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != b.size) {
                continue; // stale: one side was merged since
            }
            merge(l, r, len, prev, next);
            if (prev[l] >= 0) {
                addSpmBigram(s, start, len, prev[l], l, queue);
            }
            if (next[l] >= 0) {
                addSpmBigram(s, start, len, l, next[l], queue);
            }
        }
        for (int i = n == 0 ? -1 : 0; i >= 0; i = next[i]) {
            String piece = s.substring(start[i], start[i] + len[i]);
            int id = textId(piece);
            if (id >= 0) {
                out.add(id);
            } else {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    int bt = vocab.byteToken(b);
                    out.add(bt >= 0 ? bt : vocab.unk);
                }
            }
        }
    }

    private static void merge(int l, int r, int[] len, int[] prev, int[] next) {
        len[l] += len[r];
        len[r] = 0;
        next[l] = next[r];
        if (next[r] >= 0) {
            prev[next[r]] = l;
        }
    }

    private void addSpmBigram(String s, int[] start, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        int size = len[left] + len[right];
        int id = textId(s.substring(start[left], start[left] + size));
        if (id >= 0) {
            queue.add(new Bigram(left, right, vocab.score(id), 0, size));
        }
    }

    /** One pre-tokenized word, as byte-level characters (one per UTF-8 byte). */
    private void encodeBpeWord(String w, List<Integer> out) {
        int whole = vocab.ignoreMerges ? textId(w) : -1;
        if (whole >= 0) {
            out.add(whole);
            return;
        }
        int n = w.length();
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            len[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) ->
                a.rank != b.rank ? Integer.compare(a.rank, b.rank) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) {
            addBpeBigram(w, len, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            int l = b.left;
            int r = b.right;
            if (len[l] == 0 || len[r] == 0 || next[l] != r || len[l] + len[r] != b.size) {
                continue; // stale
            }
            merge(l, r, len, prev, next);
            if (prev[l] >= 0) {
                addBpeBigram(w, len, prev[l], l, queue);
            }
            if (next[l] >= 0) {
                addBpeBigram(w, len, l, next[l], queue);
            }
        }
        for (int i = n == 0 ? -1 : 0; i >= 0; i = next[i]) {
            String piece = w.substring(i, i + len[i]);
            int id = textId(piece);
            if (id >= 0) {
                out.add(id);
            } else {
                for (char c : piece.toCharArray()) { // llama.cpp: each byte alone, where it is a token
                    int single = c < 0x80 ? textId(String.valueOf(c)) : -1;
                    if (single >= 0) {
                        out.add(single);
                    }
                }
            }
        }
    }

    private void addBpeBigram(String w, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        int rank = vocab.mergeRank(w.substring(left, left + len[left]), w.substring(right, right + len[right]));
        if (rank >= 0) {
            queue.add(new Bigram(left, right, 0, rank, len[left] + len[right]));
        }
    }

    /** The bytes of one token: ▁ → space for normal pieces, the byte for byte tokens, control text only if asked. */
    public byte[] pieceBytes(int id, boolean renderSpecial) {
        if (id < 0 || id >= vocab.size()) {
            return new byte[0];
        }
        int type = vocab.type(id);
        if (vocab.isTemplateOnly(id)) {
            return renderSpecial ? vocab.piece(id).getBytes(StandardCharsets.UTF_8) : new byte[0];
        }
        if (type == Vocabulary.TYPE_USER_DEFINED) {
            return vocab.piece(id).getBytes(StandardCharsets.UTF_8);
        }
        if (vocab.kind() == Vocabulary.Kind.BPE) {
            return type == Vocabulary.TYPE_NORMAL ? ByteLevel.decode(vocab.piece(id)) : new byte[0];
        }
        return switch (type) {
            case Vocabulary.TYPE_NORMAL -> vocab.piece(id).replace(SPACE, " ").getBytes(StandardCharsets.UTF_8);
            case Vocabulary.TYPE_BYTE -> new byte[]{(byte) vocab.byteValue(id)};
            default -> new byte[0];
        };
    }

    /**
     * llama.cpp's detokenize: with {@code removeSpecial} a leading BOS (and trailing EOS the vocabulary adds) is
     * dropped (and then the first piece keeps its space), control tokens render only with {@code renderSpecial},
     * the space that the tokenizer prepended is removed from the first piece, and BPE vocabularies that ask for it
     * clean the spaces before punctuation. Invalid UTF-8 becomes U+FFFD.
     */
    public String decode(int[] ids, boolean removeSpecial, boolean renderSpecial) {
        int from = 0;
        int to = ids.length;
        boolean removeSpace = vocab.addSpacePrefix;
        if (removeSpecial && vocab.addBos && to > 0 && ids[0] == vocab.bos) {
            removeSpace = false;
            from++;
        }
        if (removeSpecial && vocab.addEos && to > from && ids[to - 1] == vocab.eos) {
            to--;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = from; i < to; i++) {
            byte[] p = pieceBytes(ids[i], renderSpecial);
            int skip = removeSpace && p.length > 0 && p[0] == ' ' ? 1 : 0;
            out.write(p, skip, p.length - skip);
            removeSpace = false;
        }
        byte[] bytes = out.toByteArray();
        return new String(vocab.cleanSpaces ? cleanSpaces(bytes) : bytes, StandardCharsets.UTF_8);
    }

    /** Ids → text as the engine API defines it: control tokens dropped. */
    public String decode(int[] ids) {
        return decode(ids, true, false);
    }

    /**
     * clean_up_tokenization_spaces, llama.cpp's three passes: " ?" " !" " ." " ," lose the space; a lone " ' "
     * loses both; " 's" " 'm" " 're" " 've" lose the space.
     */
    static byte[] cleanSpaces(byte[] t) {
        ByteArrayOutputStream a = new ByteArrayOutputStream(t.length);
        for (int i = 0; i < t.length; i++) {
            boolean beforePunct = t[i] == ' ' && i + 1 < t.length
                    && (t[i + 1] == '?' || t[i + 1] == '!' || t[i + 1] == '.' || t[i + 1] == ',');
            if (!beforePunct) {
                a.write(t[i]);
            }
        }
        byte[] p = a.toByteArray();
        a.reset();
        for (int i = 0; i < p.length; i++) {
            if (p[i] == ' ' && i + 2 < p.length && p[i + 1] == '\'' && p[i + 2] == ' ') {
                a.write('\'');
                i += 2;
            } else {
                a.write(p[i]);
            }
        }
        p = a.toByteArray();
        a.reset();
        for (int i = 0; i < p.length; i++) {
            boolean contraction = p[i] == ' ' && i + 2 < p.length && p[i + 1] == '\''
                    && (p[i + 2] == 's' || p[i + 2] == 'm'
                    || (i + 3 < p.length && (p[i + 2] == 'r' || p[i + 2] == 'v') && p[i + 3] == 'e'));
            if (!contraction) {
                a.write(p[i]);
            }
        }
        return a.toByteArray();
    }
}
