package io.sirocco.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * llama.cpp's SentencePiece ("llama") tokenizer: prepend a space, spaces → ▁, split into characters,
 * repeatedly merge the adjacent pair whose concatenation is the best-scoring piece (leftmost on ties),
 * and fall back to {@code <0xXX>} byte tokens for characters without a piece.
 */
public final class Tokenizer {
    public static final String SPACE = "\u2581";
    private final Vocabulary vocab;

    public Tokenizer(Vocabulary vocab) {
        this.vocab = vocab;
    }

    public Vocabulary vocabulary() {
        return vocab;
    }

    public int[] encode(String text, boolean addBos) {
        List<Integer> out = new ArrayList<>();
        if (addBos) {
            out.add(vocab.bos);
        }
        if (!text.isEmpty()) {
            String s = (vocab.addSpacePrefix ? " " + text : text).replace(" ", SPACE);
            encodeSegment(s, out);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private record Bigram(int left, int right, float score, int size) {
    }

    private void encodeSegment(String s, List<Integer> out) {
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
            addBigram(s, start, len, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            int l = b.left;
            int r = b.right;
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != b.size) {
                continue; // stale: one side was merged since
            }
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            if (prev[l] >= 0) {
                addBigram(s, start, len, prev[l], l, queue);
            }
            if (next[l] >= 0) {
                addBigram(s, start, len, l, next[l], queue);
            }
        }
        for (int i = n == 0 ? -1 : 0; i >= 0; i = next[i]) {
            String piece = s.substring(start[i], start[i] + len[i]);
            int id = vocab.id(piece);
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

    private void addBigram(String s, int[] start, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        int size = len[left] + len[right];
        int id = vocab.id(s.substring(start[left], start[left] + size));
        if (id >= 0) {
            queue.add(new Bigram(left, right, vocab.score(id), size));
        }
    }

    /** The bytes of one token: ▁ → space for normal pieces, the byte for byte tokens, control text only if asked. */
    public byte[] pieceBytes(int id, boolean renderSpecial) {
        if (id < 0 || id >= vocab.size()) {
            return new byte[0];
        }
        return switch (vocab.type(id)) {
            case Vocabulary.TYPE_NORMAL -> vocab.piece(id).replace(SPACE, " ").getBytes(StandardCharsets.UTF_8);
            case Vocabulary.TYPE_BYTE -> new byte[]{(byte) vocab.byteValue(id)};
            case Vocabulary.TYPE_USER_DEFINED -> vocab.piece(id).getBytes(StandardCharsets.UTF_8);
            default -> renderSpecial ? vocab.piece(id).getBytes(StandardCharsets.UTF_8) : new byte[0];
        };
    }

    /**
     * llama.cpp's detokenize: with {@code removeSpecial} a leading BOS is dropped (and then the first
     * piece keeps its space), control tokens render only with {@code renderSpecial}, and the space that
     * the tokenizer prepended is removed from the first piece. Invalid UTF-8 becomes U+FFFD.
     */
    public String decode(int[] ids, boolean removeSpecial, boolean renderSpecial) {
        int from = 0;
        int to = ids.length;
        boolean removeSpace = vocab.addSpacePrefix;
        if (removeSpecial && vocab.addBos && to > 0 && ids[0] == vocab.bos) {
            removeSpace = false;
            from++;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = from; i < to; i++) {
            byte[] p = pieceBytes(ids[i], renderSpecial);
            int skip = removeSpace && p.length > 0 && p[0] == ' ' ? 1 : 0;
            out.write(p, skip, p.length - skip);
            removeSpace = false;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Ids → text as the engine API defines it: control tokens dropped. */
    public String decode(int[] ids) {
        return decode(ids, true, false);
    }
}
