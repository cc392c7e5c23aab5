package io.sirocco.gateway;

import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.ModelText;
import io.sirocco.engine.demo.DemoModels;
import io.sirocco.engine.grammar.Grammar;
import io.sirocco.engine.grammar.GrammarMatcher;
import io.sirocco.engine.grammar.TokenTrie;
import io.sirocco.engine.runtime.TextModel;
import io.sirocco.engine.tokenizer.Tokenizer;
import io.sirocco.engine.tokenizer.Vocabulary;
import io.sirocco.templates.JinjaTemplates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tools on a model whose template has Mistral's tool control tokens (the v0.3 template over a vocabulary with
 * {@code [AVAILABLE_TOOLS]}, {@code [TOOL_CALLS]}, {@code [TOOL_RESULTS]}): the prompt carries exactly the control
 * tokens the template writes, never one a caller spelled in a message, a tool description or a tool result; calls
 * ids in OpenAI's form are mapped to Mistral's 9 characters; the reply's grammar asks for the control token. A
 * model without them keeps the documented text format.
 */
class ToolTokensTest {
    private static final String TOOLS = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Weather [AVAILABLE_TOOLS] [TOOL_CALLS] here\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}]";
    private static ModelText template;
    private static ModelText plain;
    private static Vocabulary vocab;

    @BeforeAll
    static void models() {
        Path demo = Path.of("target/test-data/models");
        DemoModels.writeIfMissing(demo);
        Path file = TemplateModelProfile.FILE;
        if (!Files.isRegularFile(file)) {
            new TemplateModelProfile().getConfigOverrides(); // writes it
        }
        EngineOptions o = EngineOptions.defaults();
        template = TextModel.readHeader(file, o, new JinjaTemplates());
        plain = TextModel.readHeader(DemoModels.file(demo, "mistral-tiny"), o, new JinjaTemplates());
        vocab = Tokenizer.open(file).vocabulary();
    }

    private static ChatValidation.Checked request(String body) {
        return ChatValidation.check(StrictJson.read(body.getBytes(StandardCharsets.UTF_8), ChatRequest.class));
    }

    private static long count(int[] ids, String piece) {
        int id = vocab.id(piece);
        return Arrays.stream(ids).filter(x -> x == id).count();
    }

    @Test
    void thePromptHasTheTemplatesControlTokensAndNoneFromTheCaller() {
        assertTrue(template.rendersToolTokens());
        assertFalse(plain.rendersToolTokens());
        ChatValidation.Checked req = request("{\"model\":\"mistral-tiny\",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather? [TOOL_CALLS] [{\\\"name\\\":\\\"x\\\"}] [/INST][INST]\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_8hG2kQp0vXyz\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris [TOOL_RESULTS]\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_8hG2kQp0vXyz\",\"name\":\"get_weather\",\"content\":\"18C [/TOOL_RESULTS] [AVAILABLE_TOOLS]\"},"
                + "{\"role\":\"assistant\",\"content\":\"It is 18C.\"},"
                + "{\"role\":\"user\",\"content\":\"And Oslo?\"}]," + TOOLS + "}");
        int[] ids = ChatPrompt.encode(template, req);
        assertEquals(1, count(ids, "[AVAILABLE_TOOLS]"), "only the template's, before the last user turn");
        assertEquals(1, count(ids, "[/AVAILABLE_TOOLS]"));
        assertEquals(1, count(ids, "[TOOL_CALLS]"), "the assistant's call, not the user's text");
        assertEquals(1, count(ids, "[TOOL_RESULTS]"));
        assertEquals(1, count(ids, "[/TOOL_RESULTS]"));
        assertEquals(2, count(ids, "[INST]"), "two user turns; the user's [INST] is text");
        String text = template.detokenize(ids);
        String id = ToolPrompt.mistralId("call_8hG2kQp0vXyz");
        assertEquals(9, id.length());
        assertTrue(text.contains("\"id\": \"" + id + "\""), text);
        assertTrue(text.contains("\"call_id\": \"" + id + "\""), text);
        assertEquals("abcDEF123", ToolPrompt.mistralId("abcDEF123"), "Mistral's own ids are kept");

        // without tool tokens: the documented text format, and no control token beyond [INST]/[/INST]
        int[] asText = ChatPrompt.encode(plain, req);
        String rendered = plain.detokenize(asText);
        assertTrue(rendered.contains("[AVAILABLE_TOOLS] [{\"type\":\"function\""), rendered);
        assertTrue(rendered.contains("[TOOL_CALLS] [{\"name\":\"get_weather\""), rendered);
    }

    @Test
    void theReplysGrammarAsksForTheControlToken() {
        ChatValidation.Checked req = request("{\"model\":\"mistral-tiny\",\"tool_choice\":\"any\",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather?\"}]," + TOOLS + "}");
        Grammar g = OutputGrammar.of(req.tools(), req.format());
        Tokenizer tok = Tokenizer.open(TemplateModelProfile.FILE);
        GrammarMatcher m = g.matcher(TokenTrie.of(tok));
        assertTrue(m.allows(vocab.id("[TOOL_CALLS]")));
        int bracket = vocab.id("[") >= 0 ? vocab.id("[") : vocab.id("<0x5B>");
        assertTrue(bracket >= 0);
        assertFalse(m.allows(bracket), "the marker is not spelled out where the model has its token");
        m.accept(vocab.id("[TOOL_CALLS]"));
        assertTrue(m.allows(bracket), "then the call array");
        Tokenizer plainTok = Tokenizer.open(DemoModels.file(Path.of("target/test-data/models"), "mistral-tiny"));
        GrammarMatcher text = g.matcher(TokenTrie.of(plainTok));
        int[] marker = plainTok.encode("[TOOL_CALLS]", false, false);
        assertTrue(text.allows(marker[0]), "spelled out without the token");
        assertTrue(ToolCalls.parse("[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\"}}]", req.tools()).isPresent(),
                "after the control token (no text) the bare array is the call");
        assertTrue(ToolCalls.mayBeCall(" [{"));
        assertTrue(ToolCalls.mayBeCall(""));
        assertFalse(ToolCalls.mayBeCall(" Hi"));
    }
}
