package io.sirocco.engine.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps control tokens out of user text that goes through a chat template. Before rendering, every string a
 * caller supplied is protected: a marker (U+FDD0, a Unicode noncharacter) goes after the first character of
 * each occurrence of a control or unknown token's text, so the rendered prompt no longer spells that token
 * there. The rendered text is then split on special tokens, and the markers are removed from the text pieces
 * before they are encoded: the user's {@code [INST]} is tokenized as text, the template's as the control token.
 * The marker does not disturb what templates do with strings ({@code trim}, {@code tojson}, comparisons of
 * whole roles); a U+FDD0 in user text is dropped.
 */
public final class PromptText {
    static final char MARK = '\uFDD0';
    private final Map<Character, List<String>> byFirstChar = new HashMap<>();

    public PromptText(Vocabulary vocab) {
        for (int id : vocab.specials()) {
            String t = vocab.piece(id);
            if (vocab.isTemplateOnly(id) && t.length() > 1) {
                byFirstChar.computeIfAbsent(t.charAt(0), c -> new ArrayList<>()).add(t);
            }
        }
    }

    /** A caller's string, made unable to spell a control token. */
    public String protect(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean mark = false;
            List<String> candidates = byFirstChar.get(c);
            if (candidates != null) {
                for (String t : candidates) {
                    if (s.startsWith(t, i)) {
                        mark = true;
                        break;
                    }
                }
            }
            if ((mark || c == MARK) && out == null) {
                out = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (out != null) {
                if (c != MARK) {
                    out.append(c);
                }
                if (mark) {
                    out.append(MARK);
                }
            }
        }
        return out == null ? s : out.toString();
    }

    static String unprotect(String s) {
        return s.indexOf(MARK) < 0 ? s : s.replace(String.valueOf(MARK), "");
    }
}
