package io.sirocco.engine.grammar;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a grammar is outside the JVM that built it ({@link Grammar.Spec}, as a gateway sends it to a worker),
 * markers that are a model's control token where it has one, where free text starts (stop strings apply there
 * only), and {@code oneOf} that holds exactly one branch.
 */
class GrammarSpecTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A vocabulary without a [TOOL_CALLS] control token. */
    private static final TokenTrie NO_CONTROLS = TokenTrie.of(TestVocab.BYTES, TestVocab.EOS, Map.of("</s>", TestVocab.EOS));

    private static Grammar toolsOrText() {
        String calls = "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"name\":{\"const\":\"f\"}},"
                + "\"required\":[\"name\"]},\"minItems\":1,\"maxItems\":1}";
        return Grammar.anyOf(Grammar.sequence(Grammar.regex(" ?"), Grammar.marker("[TOOL_CALLS]"), Grammar.whitespace(),
                Grammar.jsonSchema(calls)), Grammar.sequence(Grammar.regex(" ?[^\\[ ]"), Grammar.freeText()));
    }

    @Test
    void aSpecSurvivesJsonAndBuildsTheSameGrammar() throws Exception {
        Grammar[] grammars = {toolsOrText(), Grammar.jsonObject(), Grammar.choice(List.of("yes", "no")),
                Grammar.sequence(Grammar.special("[TOOL_CALLS]"), Grammar.literal("x")), Grammar.regex("[a-c]{2,3}")};
        for (Grammar g : grammars) {
            Grammar.Spec sent = JSON.readValue(JSON.writeValueAsBytes(g.spec()), Grammar.Spec.class);
            assertEquals(g.spec(), sent);
            assertSame(g, Grammar.of(sent), "the same structure is the same grammar object, its masks warm");
        }
        for (int i = 0; i < 20; i++) {
            Grammar g = Grammar.of(JSON.readValue(JSON.writeValueAsBytes(toolsOrText().spec()), Grammar.Spec.class));
            assertEquals(Decode.run(toolsOrText(), new Random(i), false, 200), Decode.run(g, new Random(i), false, 200));
        }
        assertEquals("grammar", assertThrows(GrammarException.class,
                () -> Grammar.of(new Grammar.Spec(Grammar.Spec.Kind.REGEX, null, null))).keyword());
        assertEquals("pattern", assertThrows(GrammarException.class,
                () -> Grammar.of(new Grammar.Spec(Grammar.Spec.Kind.REGEX, "(a*)*", null))).keyword());
    }

    @Test
    void aMarkerIsTheControlTokenWhereTheVocabularyHasItElseItsText() {
        Grammar g = Grammar.sequence(Grammar.marker("[TOOL_CALLS]"), Grammar.literal("[]"));
        GrammarMatcher withToken = g.matcher(TestVocab.TRIE);
        assertTrue(withToken.allows(TestVocab.TOOL_CALLS));
        assertFalse(withToken.allows(TestVocab.BYTE0 + '['), "not spelled out where the token exists");
        GrammarMatcher asText = g.matcher(NO_CONTROLS);
        assertFalse(asText.allows(TestVocab.TOOL_CALLS));
        for (byte b : "[TOOL_CALLS][]".getBytes(StandardCharsets.UTF_8)) {
            asText.accept(TestVocab.BYTE0 + (b & 0xff));
        }
        assertTrue(asText.isComplete());
    }

    @Test
    void freeTextIsWhereAnyTextKeepsAFullMatch() {
        GrammarMatcher m = toolsOrText().matcher(NO_CONTROLS);
        assertFalse(m.inFreeText());
        feed(m, " H");
        assertTrue(m.inFreeText(), "a text reply");
        feed(m, "ello {\"a\": [");
        assertTrue(m.inFreeText());
        feed(m, "long text ".repeat(2_000)); // a loop does not grow the parse stack
        assertTrue(m.inFreeText());
        assertTrue(m.canEnd());

        GrammarMatcher call = toolsOrText().matcher(NO_CONTROLS);
        feed(call, " [TOOL_CALLS] [{\"name\": \"");
        assertFalse(call.inFreeText(), "inside a call's JSON");
        GrammarMatcher json = Grammar.jsonObject().matcher(NO_CONTROLS);
        feed(json, "{\"a\": \"x");
        assertFalse(json.inFreeText());
        feed(json, "\"}");
        assertFalse(json.inFreeText(), "complete, but nothing may follow");
    }

    private static void feed(GrammarMatcher m, String text) {
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            m.accept(TestVocab.BYTE0 + (b & 0xff));
        }
    }

    @Test
    void oneOfCompilesOnlyBranchesThatExcludeEachOther() {
        // told apart by type, by const/enum, by a discriminator property, by a property one closed branch lacks
        String[] exclusive = {
                "{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"integer\"},{\"type\":\"null\"}]}",
                "{\"oneOf\":[{\"enum\":[\"a\",\"b\"]},{\"const\":\"c\"},{\"enum\":[1,2.5]}]}",
                "{\"oneOf\":[{\"type\":\"object\",\"properties\":{\"kind\":{\"const\":\"circle\"},\"r\":{\"type\":\"number\"}},"
                        + "\"required\":[\"kind\",\"r\"]},{\"type\":\"object\",\"properties\":{\"kind\":{\"const\":\"square\"},"
                        + "\"side\":{\"type\":\"number\"}},\"required\":[\"kind\",\"side\"]}]}",
                "{\"oneOf\":[{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"a\"],"
                        + "\"additionalProperties\":false},{\"type\":\"object\",\"properties\":{\"b\":{\"type\":\"string\"}},"
                        + "\"required\":[\"b\"],\"additionalProperties\":false}]}",
                "{\"$defs\":{\"s\":{\"type\":\"string\"}},\"oneOf\":[{\"$ref\":\"#/$defs/s\"},{\"anyOf\":[{\"type\":\"boolean\"},"
                        + "{\"type\":\"array\"}]}]}",
        };
        for (String s : exclusive) {
            Grammar.jsonSchema(s);
        }
        String[] overlapping = {
                "{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"number\"}]}",
                "{\"oneOf\":[{\"type\":\"string\",\"maxLength\":3},{\"type\":\"string\",\"minLength\":2}]}",
                "{\"oneOf\":[{\"enum\":[\"a\",\"b\"]},{\"enum\":[\"b\",\"c\"]}]}",
                "{\"oneOf\":[{\"enum\":[1]},{\"const\":1.0}]}",
                // open objects: {"a":"x","b":"y"} is valid against both
                "{\"oneOf\":[{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"a\"],"
                        + "\"additionalProperties\":true},{\"type\":\"object\",\"properties\":{\"b\":{\"type\":\"string\"}},"
                        + "\"required\":[\"b\"],\"additionalProperties\":true}]}",
                "{\"oneOf\":[{\"type\":\"string\"},{}]}",
        };
        for (String s : overlapping) {
            GrammarException e = assertThrows(GrammarException.class, () -> Grammar.jsonSchema(s), s);
            assertEquals("oneOf", e.keyword());
            assertTrue(e.getMessage().contains("anyOf"), e.getMessage());
        }
        // what it compiles, it generates exactly-one values (the oracle checks)
        Random rnd = new Random(11);
        for (String s : exclusive) {
            for (int i = 0; i < 30; i++) {
                Decode.Out out = Decode.run(Grammar.jsonSchema(s), rnd, false, 300);
                if (out.complete()) {
                    assertEquals(List.of(), Oracle.validate(s, out.text()), s + " → " + out.text());
                }
            }
        }
    }
}
