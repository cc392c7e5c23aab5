package io.sirocco.engine.grammar;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small vocabulary like a SentencePiece model's: EOS (0) and a control token {@code [TOOL_CALLS]} (1)
 * without text, the 256 byte-fallback tokens, and multi-byte pieces (JSON punctuation, words, digits,
 * spaces, non-ASCII) that straddle grammar boundaries.
 */
final class TestVocab {
    static final int EOS = 0;
    static final int TOOL_CALLS = 1;
    static final int BYTE0 = 2;
    static final List<String> PIECES = List.of("{\"", "\":", "\",", "\"}", " \"", "\": \"", "\"]", "[{", "}]", "},",
            "{}", "[]", "true", "false", "null", "nu", "ll", "12", "345", "0.", ".5", "-1", "e+", "name", "abc", " the",
            "\\n", "\\\"", "\\u00", "é", "日本", "  ", "\n ", " ", "2024-", "-01", "T12:", "00Z", "@ex", ".com", "a-b",
            "\":{\"", "\":[", "\"x\"", "0", "00", "9", "ab\"", "\"a", "[TOOL", "_CALLS]", "get_weather", "\"name\":\"");
    static final TokenTrie TRIE;
    static final byte[][] BYTES;

    static {
        List<byte[]> bytes = new ArrayList<>();
        bytes.add(null);
        bytes.add(null);
        for (int b = 0; b < 256; b++) {
            bytes.add(new byte[]{(byte) b});
        }
        for (String p : PIECES) {
            bytes.add(p.getBytes(StandardCharsets.UTF_8));
        }
        BYTES = bytes.toArray(new byte[0][]);
        TRIE = TokenTrie.of(BYTES, EOS, Map.of("[TOOL_CALLS]", TOOL_CALLS, "</s>", EOS));
    }

    private TestVocab() {
    }

    static int size() {
        return BYTES.length;
    }
}
