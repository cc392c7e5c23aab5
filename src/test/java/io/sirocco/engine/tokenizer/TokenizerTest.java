package io.sirocco.engine.tokenizer;

import io.sirocco.engine.ChatMessage;
import io.sirocco.engine.EngineException;
import io.sirocco.engine.golden.GoldenPack;
import io.sirocco.engine.synthetic.PackVocabulary;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerTest {
    static final Tokenizer TOK = packTokenizer();

    static Tokenizer packTokenizer() {
        PackVocabulary p = PackVocabulary.get();
        return new Tokenizer(new Vocabulary(p.tokens(), p.scores(), p.types(), 1, 2, 0, true, true));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases() {
        return (List<Map<String, Object>>) GoldenPack.json("tokenizer.json").get("cases");
    }

    @Test
    void all25CasesEncodeLikeLlamaCpp() {
        List<Map<String, Object>> cases = cases();
        assertEquals(25, cases.size());
        for (Map<String, Object> c : cases) {
            assertArrayEquals(GoldenPack.ints(c.get("ids")), TOK.encode((String) c.get("text"), true),
                    (String) c.get("name"));
        }
    }

    @Test
    void all25CasesDetokenizeThreeWays() {
        for (Map<String, Object> c : cases()) {
            int[] ids = GoldenPack.ints(c.get("ids"));
            String name = (String) c.get("name");
            assertEquals(c.get("detokenized"), TOK.decode(ids, true, false), name);
            assertEquals(c.get("detokenized_keep_special"), TOK.decode(ids, false, true), name);
            int[] noBos = java.util.Arrays.copyOfRange(ids, 1, ids.length);
            assertEquals(c.get("detokenized_without_bos"), TOK.decode(noBos, true, false), name);
            assertEquals(c.get("text"), TOK.decode(noBos, true, false), name + " round trip");
        }
    }

    @Test
    void roundTripsMultiByteText() {
        for (String s : List.of("naïve café — 日本語 🚀🚀 Привет", "a\u0000b", "tabs\tand\nnewlines  ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢")) {
            int[] ids = TOK.encode(s, false);
            assertEquals(s, TOK.decode(ids), s);
        }
    }

    @Test
    void streamingHoldsIncompleteUtf8AcrossTokens() {
        int[] ids = TOK.encode("x 😀 é日", false);
        Utf8Stream stream = new Utf8Stream();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String delta = stream.push(TOK.pieceBytes(id, false));
            // every delta is well-formed: no replacement characters from split sequences
            assertTrue(delta.indexOf('\uFFFD') < 0, delta);
            sb.append(delta);
        }
        sb.append(stream.flush());
        assertEquals(" x 😀 é日", sb.toString());
    }

    @Test
    void streamingFlushesInvalidBytesAsReplacement() {
        Utf8Stream stream = new Utf8Stream();
        assertEquals("", stream.push(new byte[]{(byte) 0xe6, (byte) 0x97}));
        assertEquals("\uFFFD", stream.flush());
        assertEquals("ok", stream.push("ok".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void mistralChatTemplate() {
        ChatTemplate t = new ChatTemplate(TOK);
        int[] ids = t.encode(List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi"),
                new ChatMessage("assistant", "Hello!"), new ChatMessage("user", "Bye")), false);
        String text = TOK.decode(ids, false, true);
        assertEquals("<s> [INST] Be brief.\n\nHi [/INST] Hello!</s> [INST] Bye [/INST]", text);
        int[] safe = t.encode(List.of(new ChatMessage("user", "Hi")), true);
        assertEquals("<s> [INST] " + ChatTemplate.GUARDRAIL + "\n\nHi [/INST]", TOK.decode(safe, false, true));
    }

    @Test
    void chatTemplateRejectsBadOrder() {
        ChatTemplate t = new ChatTemplate(TOK);
        assertThrows(EngineException.class, () -> t.encode(List.of(), false));
        assertThrows(EngineException.class, () -> t.encode(List.of(new ChatMessage("assistant", "x")), false));
        assertThrows(EngineException.class, () -> t.encode(List.of(new ChatMessage("user", "a"),
                new ChatMessage("user", "b")), false));
        assertThrows(EngineException.class, () -> t.encode(List.of(new ChatMessage("user", "a"),
                new ChatMessage("assistant", "b")), false));
        assertThrows(EngineException.class, () -> t.encode(List.of(new ChatMessage("user", "a"),
                new ChatMessage("system", "b"), new ChatMessage("user", "c")), false));
    }
}
