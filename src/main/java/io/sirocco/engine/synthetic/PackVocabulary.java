package io.sirocco.engine.synthetic;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The conformance pack's 32000-token SentencePiece vocabulary ({@code vocab.tsv}, shipped as a resource):
 * one line per id, {@code id TAB type TAB score TAB token} with the token as a JSON string body.
 */
public record PackVocabulary(String[] tokens, float[] scores, int[] types) {
    private static final String RESOURCE = "/io/sirocco/engine/vocab.tsv";
    private static volatile PackVocabulary cached;

    public static PackVocabulary get() {
        PackVocabulary v = cached;
        if (v == null) {
            try (InputStream in = PackVocabulary.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + RESOURCE);
                }
                v = parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            cached = v;
        }
        return v;
    }

    /** A copy with the given ids replaced by control tokens (e.g. a model's FIM or tool tokens over filler pieces). */
    public PackVocabulary withControlTokens(java.util.Map<Integer, String> control) {
        String[] t = tokens.clone();
        int[] ty = types.clone();
        control.forEach((id, piece) -> {
            t[id] = piece;
            ty[id] = 3; // GGUF token type CONTROL
        });
        return new PackVocabulary(t, scores, ty);
    }

    static PackVocabulary parse(BufferedReader reader) throws IOException {
        List<String> tokens = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        String line;
        while ((line = reader.readLine()) != null) {
            String[] f = line.split("\t", 4);
            if (Integer.parseInt(f[0]) != tokens.size()) {
                throw new IllegalStateException("vocab.tsv: ids out of order at " + f[0]);
            }
            types.add(Integer.parseInt(f[1]));
            scores.add(Float.parseFloat(f[2]));
            tokens.add(unescapeJson(f[3]));
        }
        float[] s = new float[scores.size()];
        int[] t = new int[types.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
            t[i] = types.get(i);
        }
        return new PackVocabulary(tokens.toArray(String[]::new), s, t);
    }

    /** Decodes the body of a JSON string literal. */
    static String unescapeJson(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> sb.append(e);
            }
        }
        return sb.toString();
    }
}
