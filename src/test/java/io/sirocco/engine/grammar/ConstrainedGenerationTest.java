package io.sirocco.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.FinishReason;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.golden.GoldenPack;
import io.sirocco.engine.runtime.LocalEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Constrained decoding through the engine on a seeded random-weight model: the output is always valid
 * against the schema (checked by an independent validator), greedy and sampled, alone and in a batch
 * with free sequences; max_tokens that cuts a value short reports LENGTH.
 */
class ConstrainedGenerationTest {
    static final String SCHEMA = """
            {"type":"object","properties":{
              "name":{"type":"string","maxLength":6},
              "age":{"type":"integer","minimum":0,"maximum":120},
              "unit":{"enum":["celsius","fahrenheit"]},
              "tags":{"type":"array","items":{"type":"string","maxLength":3},"maxItems":2},
              "ok":{"type":["boolean","null"]}},
             "required":["name","age","unit"],"additionalProperties":false}""";
    static Engine engine;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void open() {
        engine = LocalEngine.open(GoldenPack.model("dense-a", GgmlType.Q8_0), new EngineOptions(2, 8, 8192, 1024, true));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static GenerationResult run(GenerationParams p) throws Exception {
        return engine.generate(engine.tokenize("Give me JSON:", true), p, (id, d) -> { }).result().get(120, TimeUnit.SECONDS);
    }

    @Test
    void greedyAndSampledOutputsValidateAgainstTheSchema() throws Exception {
        Grammar g = Grammar.jsonSchema(SCHEMA);
        for (int seed = 0; seed < 6; seed++) {
            float t = seed == 0 ? 0f : 1.0f;
            GenerationResult r = run(new GenerationParams(t, 1f, 400, List.of(), (long) seed, g));
            assertEquals(FinishReason.STOP, r.finishReason(), r.text());
            assertTrue(Oracle.validate(SCHEMA, r.text()).isEmpty(), r.text() + " " + Oracle.validate(SCHEMA, r.text()));
        }
    }

    @Test
    void aBatchMixesConstrainedAndFreeSequences() throws Exception {
        Grammar g = Grammar.jsonSchema(SCHEMA);
        int[] prompt = engine.tokenize("Hello", true);
        GenerationResult freeAlone = engine.generate(prompt, GenerationParams.greedy(20), null).result().get(60, TimeUnit.SECONDS);
        List<Generation> gens = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            GenerationParams p = i % 2 == 0 ? new GenerationParams(0.8f, 1f, 400, List.of(), (long) i, g)
                    : GenerationParams.greedy(20);
            gens.add(engine.generate(prompt, p, null));
        }
        for (int i = 0; i < gens.size(); i++) {
            GenerationResult r = gens.get(i).result().get(120, TimeUnit.SECONDS);
            if (i % 2 == 0) {
                assertTrue(Oracle.validate(SCHEMA, r.text()).isEmpty(), r.text());
                assertEquals(FinishReason.STOP, r.finishReason());
            } else {
                assertEquals(freeAlone.text(), r.text(), "a free sequence is unaffected by its constrained neighbours");
            }
        }
    }

    @Test
    void maxTokensCuttingTheValueShortIsLength() throws Exception {
        GenerationResult r = run(new GenerationParams(0f, 1f, 3, List.of(), 0L, Grammar.jsonSchema(SCHEMA)));
        assertEquals(FinishReason.LENGTH, r.finishReason());
        assertThrows(Exception.class, () -> JSON.readTree(r.text()).get("unit").asText().isEmpty());
    }

    @Test
    void jsonModeGivesAnObject() throws Exception {
        for (int seed = 0; seed < 2; seed++) {
            GenerationResult r = run(new GenerationParams(1f, 1f, 200, List.of(), (long) seed, Grammar.jsonObject()));
            if (r.finishReason() == FinishReason.STOP) {
                JsonNode n = JSON.readTree(r.text());
                assertTrue(n.isObject(), r.text());
            } else {
                assertEquals(FinishReason.LENGTH, r.finishReason());
            }
        }
    }

    @Test
    void choiceAndMissingControlToken() throws Exception {
        Grammar names = Grammar.choice(List.of("get_weather", "get_time", "search"));
        GenerationResult r = run(new GenerationParams(1f, 1f, 50, List.of(), 5L, names));
        assertTrue(List.of("get_weather", "get_time", "search").contains(r.text()), r.text());
        assertEquals(FinishReason.STOP, r.finishReason());
        GrammarException e = assertThrows(GrammarException.class, () -> engine.generate(engine.tokenize("x", true),
                GenerationParams.greedy(5).withGrammar(Grammar.special("[NOT_A_TOKEN]")), null));
        assertFalse(e.getMessage().isEmpty());
    }

    /**
     * Stop strings never cut JSON: inside a value the grammar alone decides where it ends. In free text (a text
     * reply) they apply as without a grammar.
     */
    @Test
    void stopStringsApplyToFreeTextAndNeverCutJson() throws Exception {
        for (long seed = 0; seed < 3; seed++) {
            GenerationResult json = run(new GenerationParams(seed == 0 ? 0f : 0.8f, 1f, 300, List.of("\"", ":", "}"),
                    seed, Grammar.jsonSchema(SCHEMA)));
            assertTrue(json.text().indexOf('"') > 0 && json.text().contains(":"), "not cut at a stop string: " + json.text());
            if (json.finishReason() == FinishReason.STOP) {
                assertEquals(List.of(), Oracle.validate(SCHEMA, json.text()), json.text());
            } else {
                assertEquals(FinishReason.LENGTH, json.finishReason());
            }
        }

        Grammar text = Grammar.sequence(Grammar.regex("[^\\[]"), Grammar.freeText());
        GenerationResult free = run(new GenerationParams(0f, 1f, 24, List.of(), 0L, text));
        assertTrue(free.text().length() > 6, free.text());
        String stop = free.text().substring(4, 6);
        GenerationResult cut = run(new GenerationParams(0f, 1f, 24, List.of(stop), 0L, text));
        assertEquals(FinishReason.STOP, cut.finishReason());
        assertEquals(free.text().substring(0, free.text().indexOf(stop)), cut.text());
    }
}
