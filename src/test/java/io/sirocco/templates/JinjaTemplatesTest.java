package io.sirocco.templates;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.engine.ChatRenderer;
import io.sirocco.engine.EngineException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jinjava renders typical chat templates (Mistral v0.3 with tools, Mistral v1, ChatML, a Llama-3-like one with
 * trim and negative slices) exactly as Python's Jinja2 does under Hugging Face's apply_chat_template: the expected
 * prompts and errors in chat-templates/expected.json come from src/test/golden-recipes/templates/render.py.
 */
class JinjaTemplatesTest {
    static final JinjaTemplates JINJA = new JinjaTemplates();

    static String resource(String name) throws IOException {
        try (InputStream in = JinjaTemplatesTest.class.getResourceAsStream("/chat-templates/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void rendersLikePythonJinja() throws IOException {
        Map<String, Object> all = new ObjectMapper().readValue(resource("expected.json"), Map.class);
        Map<String, Map<String, Object>> cases = (Map<String, Map<String, Object>>) all.get("cases");
        Map<String, Map<String, Map<String, String>>> expected = (Map<String, Map<String, Map<String, String>>>) all.get("expected");
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (var t : expected.entrySet()) {
            ChatRenderer r = JINJA.compile(resource(t.getKey() + ".jinja"), "<s>", "</s>");
            for (var c : t.getValue().entrySet()) {
                Map<String, Object> in = cases.get(c.getKey());
                boolean gen = (Boolean) in.getOrDefault("add_generation_prompt", true);
                String got;
                try {
                    got = "prompt: " + r.render((List<Map<String, Object>>) in.get("messages"),
                            (List<Map<String, Object>>) in.get("tools"), gen);
                } catch (EngineException e) {
                    got = "error: " + e.getMessage();
                }
                String want = c.getValue().containsKey("prompt") ? "prompt: " + c.getValue().get("prompt")
                        : "error: " + c.getValue().get("error");
                checked++;
                if (!want.equals(got)) {
                    failures.add(t.getKey() + "/" + c.getKey() + "\n  want " + want + "\n  got  " + got);
                }
            }
        }
        assertEquals(28, checked);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void aTemplateThatDoesNotParseIsRefusedAtCompileTime() {
        EngineException e = assertThrows(EngineException.class,
                () -> JINJA.compile("{% for m in messages %}{{ m.content }}", "<s>", "</s>"));
        assertTrue(e.getMessage().contains("does not parse"), e.getMessage());
    }
}
