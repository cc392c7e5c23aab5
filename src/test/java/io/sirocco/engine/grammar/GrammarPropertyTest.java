package io.sirocco.engine.grammar;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Properties of the grammar engine over random schemas (seeded loops; the seed is in every message):
 * decoding with random logits always yields JSON that an independent validator accepts; no valid
 * continuation is ever masked (every byte of random valid instances, compact and indented, is allowed
 * at its step); and the trie-walk mask agrees token by token with advancing the automaton directly.
 */
class GrammarPropertyTest {
    /** More with -Dgrammar.schemas=N. */
    static final int SCHEMAS = Integer.getInteger("grammar.schemas", 300);
    static final ObjectMapper COMPACT = new ObjectMapper();
    static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Test
    void randomLogitsAlwaysGiveValidJson() throws Exception {
        int completed = 0;
        int runs = 0;
        for (long seed = 0; seed < SCHEMAS; seed++) {
            RandomSchemas.Node n = new RandomSchemas(seed).root();
            String schema = COMPACT.writeValueAsString(n.schema());
            Grammar g = Grammar.jsonSchema(schema);
            Random rnd = new Random(seed);
            for (int k = 0; k < 4; k++) {
                Decode.Out o = Decode.run(g, rnd, k == 0, 3000);
                runs++;
                if (!o.complete()) {
                    continue; // cut by the token limit: the engine reports LENGTH
                }
                completed++;
                List<String> errors = Oracle.validate(schema, o.text());
                if (!errors.isEmpty()) {
                    fail("seed " + seed + " schema " + schema + "\noutput " + o.text() + "\n" + errors);
                }
            }
        }
        assertTrue(completed > runs * 9 / 10, completed + " of " + runs + " completed");
    }

    @Test
    void noValidContinuationIsMasked() throws Exception {
        int checked = 0;
        for (long seed = 0; seed < SCHEMAS; seed++) {
            RandomSchemas.Node n = new RandomSchemas(seed).root();
            String schema = COMPACT.writeValueAsString(n.schema());
            Grammar g = Grammar.jsonSchema(schema);
            Random rnd = new Random(seed * 31 + 7);
            for (int k = 0; k < 6; k++) {
                Object instance = n.instance().apply(rnd);
                String doc = (k % 2 == 0 ? COMPACT : PRETTY).writeValueAsString(instance);
                if (!Oracle.validate(schema, doc).isEmpty()) {
                    continue; // the generator's rare invalid draw (e.g. an enum value clash): not a test case
                }
                checked++;
                GrammarMatcher m = g.matcher(TestVocab.TRIE);
                byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < bytes.length; i++) {
                    int token = TestVocab.BYTE0 + (bytes[i] & 0xff);
                    if (!m.allows(token)) {
                        fail("seed " + seed + " schema " + schema + "\nvalid " + doc + "\nmasked at byte " + i + ": "
                                + new String(bytes, 0, i, StandardCharsets.UTF_8) + " ‸ " + (char) (bytes[i] & 0xff));
                    }
                    m.accept(token);
                }
                assertTrue(m.canEnd(), "seed " + seed + ": complete document not accepted: " + doc);
                assertTrue(m.allows(TestVocab.EOS), "seed " + seed + ": EOS masked after " + doc);
            }
        }
        assertTrue(checked > SCHEMAS * 4, "only " + checked + " instances checked");
    }

    @Test
    void theMaskAgreesWithTheAutomatonTokenByToken() throws Exception {
        for (long seed = 0; seed < 60; seed++) {
            String schema = COMPACT.writeValueAsString(new RandomSchemas(seed).root().schema());
            Grammar g = Grammar.jsonSchema(schema);
            Random rnd = new Random(seed);
            GrammarMatcher m = g.matcher(TestVocab.TRIE);
            float[] logits = new float[TestVocab.size()];
            for (int step = 0; step < 40 && !m.isComplete(); step++) {
                for (int t = 0; t < TestVocab.size(); t++) {
                    boolean direct = t == TestVocab.EOS ? m.canEnd() : m.reaches(t);
                    assertEquals(direct, m.allows(t), "seed " + seed + " step " + step + " token " + t);
                }
                for (int i = 0; i < logits.length; i++) {
                    logits[i] = (float) rnd.nextGaussian();
                }
                m.mask(logits, 0);
                int t = Decode.draw(logits, rnd);
                if (t == TestVocab.EOS) {
                    break;
                }
                m.accept(t);
            }
        }
    }

    @Test
    void regexChoiceAndToolCallForms() {
        Random rnd = new Random(3);
        for (int i = 0; i < 50; i++) {
            String s = Decode.run(Grammar.regex("[a-c]{2,4}(-\\d+)?"), rnd, false, 100).text();
            assertTrue(s.matches("[a-c]{2,4}(-\\d+)?"), s);
            String c = Decode.run(Grammar.choice(List.of("get_weather", "get_time", "x")), rnd, false, 100).text();
            assertTrue(List.of("get_weather", "get_time", "x").contains(c), c);
        }
        String calls = """
                {"type":"array","minItems":1,"items":{"anyOf":[
                 {"type":"object","properties":{"name":{"const":"get_weather"},"arguments":{"type":"object",
                   "properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}},
                  "required":["name","arguments"],"additionalProperties":false}]}}""";
        Grammar tools = Grammar.anyOf(Grammar.freeText(), Grammar.sequence(Grammar.special("[TOOL_CALLS]"), Grammar.jsonSchema(calls)));
        List<String> toolOutputs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String out = Decode.run(tools, rnd, false, 200).text();
            if (out.startsWith("[TOOL_CALLS]")) {
                toolOutputs.add(out);
                String json = out.substring("[TOOL_CALLS]".length());
                assertTrue(Oracle.validate(calls, json).isEmpty(), json);
            }
        }
        assertTrue(!toolOutputs.isEmpty(), "the control token was never chosen");
        Grammar again = Grammar.anyOf(Grammar.freeText(), Grammar.sequence(Grammar.special("[TOOL_CALLS]"), Grammar.jsonSchema(calls)));
        org.junit.jupiter.api.Assertions.assertSame(tools, again, "the same composition is the same grammar, with its warm masks");
        org.junit.jupiter.api.Assertions.assertNotSame(tools, Grammar.anyOf(Grammar.freeText(), Grammar.literal("x")));
    }

    @Test
    void threadsSharingOneColdGrammarAllGetValidOutput() throws Exception {
        // engines on several models share Grammar objects: cold transitions are computed under a lock,
        // cached ones read without it
        String schema = COMPACT.writeValueAsString(new RandomSchemas(11).root().schema());
        String wide = "{\"type\":\"array\",\"maxItems\":6,\"items\":" + schema + "}";
        Grammar g = Grammar.jsonSchema(wide);
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            long seed = t;
            threads.add(Thread.ofPlatform().start(() -> {
                Random rnd = new Random(seed);
                for (int k = 0; k < 25; k++) {
                    Decode.Out o = Decode.run(g, rnd, false, 3000);
                    if (o.complete() && !Oracle.validate(wide, o.text()).isEmpty()) {
                        failures.add(o.text());
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    @Test
    void textFormsAreMatchedExactlyByTheirOwnBytes() {
        GrammarMatcher m = Grammar.literal("héllo").matcher(TestVocab.TRIE);
        for (byte b : "héllo".getBytes(StandardCharsets.UTF_8)) {
            assertTrue(m.allows(TestVocab.BYTE0 + (b & 0xff)));
            m.accept(TestVocab.BYTE0 + (b & 0xff));
        }
        assertTrue(m.isComplete());
    }
}
