package io.sirocco.engine.grammar;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the schema compiler refuses (naming the keyword), and exact acceptance at the edges of ranges and forms. */
class SchemaCompilerTest {
    static String refused(String schema) {
        return assertThrows(GrammarException.class, () -> Grammar.jsonSchema(schema)).keyword();
    }

    /** Whether the grammar accepts exactly this text (fed byte by byte, then complete). */
    static boolean accepts(Grammar g, String text) {
        GrammarMatcher m = g.matcher(TestVocab.TRIE);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int t = TestVocab.BYTE0 + (b & 0xff);
            if (!m.allows(t)) {
                return false;
            }
            m.accept(t);
        }
        return m.canEnd();
    }

    @Test
    void unsupportedKeywordsAreNamed() {
        assertEquals("not", refused("{\"not\":{\"type\":\"string\"}}"));
        assertEquals("prefixItems", refused("{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"}]}"));
        assertEquals("uniqueItems", refused("{\"type\":\"array\",\"uniqueItems\":true}"));
        assertEquals("multipleOf", refused("{\"type\":\"integer\",\"multipleOf\":3}"));
        assertEquals("patternProperties", refused("{\"type\":\"object\",\"patternProperties\":{}}"));
        assertEquals("format", refused("{\"type\":\"string\",\"format\":\"ipv6\"}"));
        assertEquals("pattern", refused("{\"type\":\"string\",\"pattern\":\"(?=a)b\"}"));
        assertEquals("pattern", refused("{\"type\":\"string\",\"pattern\":\"(a)\\\\1\"}"));
        assertEquals("minimum", refused("{\"type\":\"number\",\"minimum\":0.5}"));
        assertEquals("exclusiveMinimum", refused("{\"type\":\"number\",\"exclusiveMinimum\":0}"));
        assertEquals("allOf", refused("{\"allOf\":[{\"type\":\"string\"},{\"maxLength\":3}]}"));
        assertEquals("anyOf", refused("{\"type\":\"object\",\"anyOf\":[{\"type\":\"object\"}]}"));
        assertEquals("maxItems", refused("{\"type\":\"array\",\"minItems\":3,\"maxItems\":2}"));
        assertEquals("required", refused("{\"type\":\"object\",\"properties\":{},\"required\":[\"a\"]}"));
        assertEquals("type", refused("{\"type\":\"text\"}"));
        assertEquals("false", refused("false"));
    }

    @Test
    void referencesLimitsAndInvalidJson() {
        assertEquals("$ref", refused("{\"$defs\":{\"n\":{\"type\":\"object\",\"properties\":{\"next\":{\"$ref\":\"#/$defs/n\"}}}},\"$ref\":\"#/$defs/n\"}"));
        assertEquals("$ref", refused("{\"$ref\":\"#\"}"));
        assertEquals("$ref", refused("{\"$ref\":\"#/$defs/missing\"}"));
        assertEquals("$ref", refused("{\"$ref\":\"https://example.com/s.json\"}"));
        assertEquals("schema", refused("{\"type\":"));
        assertEquals("schema", refused("[1,2]"));
        StringBuilder big = new StringBuilder("{\"type\":\"string\",\"description\":\"");
        big.append("x".repeat(70_000)).append("\"}");
        GrammarException e = assertThrows(GrammarException.class, () -> Grammar.jsonSchema(big.toString()));
        assertEquals("schema", e.keyword());
        assertTrue(e.getMessage().contains("64 KiB"), e.getMessage());
        StringBuilder many = new StringBuilder("{\"type\":\"object\",\"properties\":{");
        for (int i = 0; i < 1001; i++) {
            many.append(i > 0 ? "," : "").append("\"p").append(i).append("\":{\"type\":\"null\"}");
        }
        many.append("}}");
        e = assertThrows(GrammarException.class, () -> Grammar.jsonSchema(many.toString()));
        assertEquals("schema", e.keyword());
        assertTrue(e.getMessage().contains("1000"), e.getMessage());
        // a shared (non-recursive) definition used twice is fine
        Grammar twice = Grammar.jsonSchema("{\"$defs\":{\"d\":{\"type\":\"integer\"}},\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/d\"}}");
        assertTrue(accepts(twice, "[1,2]"));
    }

    @Test
    void integerRangesAreExact() {
        long[][] ranges = {{-37, 215}, {0, 0}, {5, 5}, {-5, -1}, {10, 99}, {-120, -100}, {7, 1203}};
        for (long[] r : ranges) {
            Grammar g = Grammar.jsonSchema("{\"type\":\"integer\",\"minimum\":" + r[0] + ",\"maximum\":" + r[1] + "}");
            for (long v = -1300; v <= 1300; v++) {
                assertEquals(v >= r[0] && v <= r[1], accepts(g, Long.toString(v)), r[0] + ".." + r[1] + ": " + v);
            }
            assertFalse(accepts(g, "01"));
            assertFalse(accepts(g, "-0"), "-0 is never written");
        }
        Grammar x = Grammar.jsonSchema("{\"type\":\"integer\",\"exclusiveMinimum\":3,\"exclusiveMaximum\":10.5}");
        assertFalse(accepts(x, "3"));
        assertTrue(accepts(x, "4"));
        assertTrue(accepts(x, "10"));
        assertFalse(accepts(x, "11"));
        Grammar open = Grammar.jsonSchema("{\"type\":\"integer\",\"minimum\":95}");
        assertFalse(accepts(open, "94"));
        assertTrue(accepts(open, "95"));
        assertTrue(accepts(open, "123456789012345678"));
    }

    @Test
    void numberBoundsAreExact() {
        Grammar g = Grammar.jsonSchema("{\"type\":\"number\",\"minimum\":-2,\"maximum\":3}");
        for (String ok : List.of("-2", "-2.0", "-1.999", "0", "-0.5", "2.75", "3", "3.000")) {
            assertTrue(accepts(g, ok), ok);
        }
        for (String no : List.of("-2.01", "-3", "3.1", "4", "1e2", "03")) {
            assertFalse(accepts(g, no), no);
        }
        Grammar neg = Grammar.jsonSchema("{\"type\":\"number\",\"minimum\":-10,\"maximum\":-2}");
        assertTrue(accepts(neg, "-2"));
        assertTrue(accepts(neg, "-9.99"));
        assertFalse(accepts(neg, "-1.5"));
        assertFalse(accepts(neg, "-0.0"));
        assertFalse(accepts(neg, "-10.5"));
    }

    @Test
    void stringsFormsAndObjects() {
        Grammar s = Grammar.jsonSchema("{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}");
        assertFalse(accepts(s, "\"a\""));
        assertTrue(accepts(s, "\"a\\n\""));
        assertTrue(accepts(s, "\"日本😀\""), "length counts code points");
        assertFalse(accepts(s, "\"abcd\""));
        assertFalse(accepts(s, "\"\\ud800x\""), "no lone surrogates");
        Grammar p = Grammar.jsonSchema("{\"type\":\"string\",\"pattern\":\"^a\\\"b$\"}");
        assertTrue(accepts(p, "\"a\\\"b\""));
        Grammar date = Grammar.jsonSchema("{\"type\":\"string\",\"format\":\"date\"}");
        assertTrue(accepts(date, "\"2024-12-31\""));
        assertFalse(accepts(date, "\"2024-02-30\""));
        assertFalse(accepts(date, "\"2024-04-31\""));
        Grammar nullable = Grammar.jsonSchema("{\"type\":\"integer\",\"nullable\":true}");
        assertTrue(accepts(nullable, "null"));
        assertTrue(accepts(nullable, "42"));
        Grammar map = Grammar.jsonSchema("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}");
        assertTrue(accepts(map, "{\"a\":1, \"b\":2}"));
        assertFalse(accepts(map, "{\"a\":\"x\"}"));
        Grammar obj = Grammar.jsonSchema("""
                {"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"boolean"},"c":{"type":"null"}},
                 "required":["b"],"additionalProperties":false}""");
        assertTrue(accepts(obj, "{\"b\":true}"));
        assertTrue(accepts(obj, "{\"a\":1,\"b\":false,\"c\":null}"));
        assertTrue(accepts(obj, "{ \"a\" : 1 ,\n  \"b\": true }"));
        assertFalse(accepts(obj, "{\"a\":1}"), "required b missing");
        assertFalse(accepts(obj, "{\"b\":true,\"a\":1}"), "schema order");
        assertFalse(accepts(obj, "{\"b\":true,}"));
        assertFalse(accepts(obj, "{\"b\":true,\"d\":1}"));
        Grammar any = Grammar.jsonObject();
        assertTrue(accepts(any, "{\"x\":[1,{\"y\":null}],\"z\":\"é\"}"));
        assertFalse(accepts(any, "[1]"));
    }

    @Test
    void eosOnlyWhenCompleteAndStopOnceNothingCanFollow() {
        GrammarMatcher m = Grammar.jsonSchema("{\"type\":\"integer\"}").matcher(TestVocab.TRIE);
        assertFalse(m.allows(TestVocab.EOS));
        m.accept(TestVocab.BYTE0 + '4');
        assertTrue(m.allows(TestVocab.EOS), "a number may end here");
        assertFalse(m.isComplete(), "… or go on");
        GrammarMatcher o = Grammar.jsonObject().matcher(TestVocab.TRIE);
        for (char c : "{}".toCharArray()) {
            o.accept(TestVocab.BYTE0 + c);
        }
        assertTrue(o.isComplete());
        assertThrows(GrammarException.class, () -> o.accept(TestVocab.BYTE0 + ' '));
    }
}
