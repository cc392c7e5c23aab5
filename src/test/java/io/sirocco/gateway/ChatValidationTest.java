package io.sirocco.gateway;

import io.sirocco.engine.ChatMessage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chat request's new fields, checked without a server: values accepted, and 422s that name the field. */
class ChatValidationTest {
    static final String WEATHER = """
            {"type":"function","function":{"name":"get_weather","description":"Weather in a city",
             "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}""";

    static ChatValidation.Checked check(String json) {
        return ChatValidation.check(StrictJson.read(json.getBytes(StandardCharsets.UTF_8), ChatRequest.class));
    }

    static String body(String extra) {
        return "{\"model\":\"mistral-tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + extra + "}";
    }

    static void refused(String json, String param) {
        ApiError e = assertThrows(ApiError.class, () -> check(json), json.substring(0, Math.min(200, json.length())));
        assertEquals(422, e.status(), e.getMessage());
        assertEquals(param, e.param(), e.getMessage());
    }

    @Test
    void openAiAndMistralNamesOfTheSameSettingsAreAccepted() {
        ChatValidation.Checked c = check(body(",\"seed\":7,\"max_completion_tokens\":12,\"n\":3,\"presence_penalty\":0.5,"
                + "\"frequency_penalty\":-1.5,\"user\":\"u-1\",\"metadata\":{\"team\":\"a\"},\"logprobs\":true,"
                + "\"top_logprobs\":5,\"parallel_tool_calls\":false,\"prompt_mode\":null"));
        assertEquals(7L, c.randomSeed());
        assertEquals(12, c.maxTokens());
        assertEquals(3, c.n());
        assertEquals(0.5, c.presencePenalty());
        assertEquals(-1.5, c.frequencyPenalty());
        assertEquals("u-1", c.user());
        assertEquals("a", c.metadata().get("team").textValue());
        assertEquals(5, c.topLogprobs());
        assertNull(check(body("")).topLogprobs());
        assertEquals(7L, check(body(",\"random_seed\":7,\"seed\":7")).randomSeed());
    }

    @Test
    void outOfRangeValuesNameTheirField() {
        refused(body(",\"presence_penalty\":2.5"), "presence_penalty");
        refused(body(",\"frequency_penalty\":-3"), "frequency_penalty");
        refused(body(",\"n\":9"), "n");
        refused(body(",\"n\":0"), "n");
        refused(body(",\"seed\":-1"), "seed");
        refused(body(",\"seed\":1,\"random_seed\":2"), "seed");
        refused(body(",\"max_completion_tokens\":0"), "max_completion_tokens");
        refused(body(",\"top_logprobs\":21,\"logprobs\":true"), "top_logprobs");
        refused(body(",\"top_logprobs\":3"), "top_logprobs");
        refused(body(",\"metadata\":{\"a\":1}"), "metadata.a");
        refused(body(",\"user\":\"" + "u".repeat(300) + "\""), "user");
        refused(body(",\"whatever\":1"), "whatever");
    }

    @Test
    void toolsAndToolChoice() {
        ToolSet t = check(body(",\"tools\":[" + WEATHER + "]")).tools();
        assertEquals(ToolSet.Choice.AUTO, t.choice());
        assertTrue(t.callsAllowed());
        assertFalse(t.forced());
        assertEquals(ToolSet.Choice.ANY, check(body(",\"tools\":[" + WEATHER + "],\"tool_choice\":\"required\"")).tools().choice());
        assertEquals(ToolSet.Choice.ANY, check(body(",\"tools\":[" + WEATHER + "],\"tool_choice\":\"any\"")).tools().choice());
        assertFalse(check(body(",\"tools\":[" + WEATHER + "],\"tool_choice\":\"none\"")).tools().callsAllowed());
        ToolSet named = check(body(",\"tools\":[" + WEATHER
                + "],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}")).tools();
        assertEquals(ToolSet.Choice.NAMED, named.choice());
        assertEquals("get_weather", named.callable().getFirst().name());
        // no parameters: an empty object schema
        assertEquals("object", check(body(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"now\"}}]"))
                .tools().tools().get("now").parameters().get("type").textValue());
    }

    @Test
    void malformedToolsNameTheField() {
        refused(body(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"has space\"}}]"), "tools[0].function.name");
        refused(body(",\"tools\":[{\"type\":\"retrieval\",\"function\":{\"name\":\"a\"}}]"), "tools[0].type");
        refused(body(",\"tools\":[{\"type\":\"function\"}]"), "tools[0].function");
        refused(body(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a\",\"parameters\":[1]}}]"),
                "tools[0].function.parameters");
        refused(body(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a\",\"parameters\":{\"type\":\"string\"}}}]"),
                "tools[0].function.parameters");
        refused(body(",\"tools\":[" + WEATHER + "," + WEATHER + "]"), "tools[1].function.name");
        refused(body(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a\",\"bogus\":1}}]"), "tools[0].function.bogus");
        refused(body(",\"tools\":[" + WEATHER + "],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"nope\"}}"),
                "tool_choice");
        refused(body(",\"tools\":[" + WEATHER + "],\"tool_choice\":\"sometimes\""), "tool_choice");
        refused(body(",\"tool_choice\":\"any\""), "tool_choice");
    }

    @Test
    void schemasOverTheLimitsOrRecursiveAreRefused() {
        String recursive = "{\"type\":\"object\",\"properties\":{\"node\":{\"$ref\":\"#/$defs/node\"}},"
                + "\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"next\":{\"$ref\":\"#/$defs/node\"}}}}}";
        refused(body(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a\",\"parameters\":" + recursive + "}}]"),
                "tools[0].function.parameters");
        refused(body(",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":" + recursive + "}}"),
                "response_format.json_schema.schema");
        StringBuilder many = new StringBuilder("{\"type\":\"object\",\"properties\":{");
        for (int i = 0; i < 600; i++) {
            many.append(i == 0 ? "" : ",").append("\"p").append(i).append("\":{\"type\":\"integer\"}");
        }
        many.append("}}");
        refused(body(",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":" + many + "}}"),
                "response_format.json_schema.schema");
        String big = "{\"type\":\"object\",\"description\":\"" + "x".repeat(70_000) + "\"}";
        refused(body(",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":" + big + "}}"),
                "response_format.json_schema.schema");
        refused(body(",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":"
                + "{\"$ref\":\"http://example.com/s.json\"}}}"), "response_format.json_schema.schema");
        // a definition used twice is not recursion
        String shared = "{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/p\"},\"b\":{\"$ref\":\"#/$defs/p\"}},"
                + "\"$defs\":{\"p\":{\"type\":\"string\"}}}";
        assertEquals(OutputFormat.Kind.JSON_SCHEMA, check(body(",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":"
                + "{\"name\":\"x\",\"schema\":" + shared + ",\"strict\":true}}")).format().kind());
    }

    @Test
    void responseFormats() {
        assertEquals(OutputFormat.Kind.TEXT, check(body(",\"response_format\":{\"type\":\"text\"}")).format().kind());
        assertEquals(OutputFormat.Kind.JSON_OBJECT, check(body(",\"response_format\":{\"type\":\"json_object\"}")).format().kind());
        refused(body(",\"response_format\":{\"type\":\"yaml\"}"), "response_format.type");
        refused(body(",\"response_format\":{\"type\":\"json_schema\"}"), "response_format.json_schema");
    }

    @Test
    void aToolConversationRendersIntoAlternatingTurns() {
        ChatValidation.Checked c = check("""
                {"model":"mistral-tiny","tools":[%s],"messages":[
                 {"role":"system","content":"Be brief."},
                 {"role":"user","content":"Weather in Paris and Rome?"},
                 {"role":"assistant","content":null,"tool_calls":[
                   {"id":"abcDEF123","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                   {"id":"xyz987654","type":"function","function":{"name":"get_weather","arguments":{"city":"Rome"}}}]},
                 {"role":"tool","tool_call_id":"abcDEF123","name":"get_weather","content":"18C"},
                 {"role":"tool","tool_call_id":"xyz987654","content":"24C"},
                 {"role":"assistant","content":"Paris 18C, Rome 24C."},
                 {"role":"user","content":"Thanks"}]}""".formatted(WEATHER));
        List<ChatMessage> m = ToolPrompt.render(c.conversation(), c.tools());
        assertEquals(List.of("system", "user", "assistant", "user", "assistant", "user"),
                m.stream().map(ChatMessage::role).toList());
        assertEquals("[TOOL_CALLS] [{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"},\"id\":\"abcDEF123\"},"
                + "{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Rome\"},\"id\":\"xyz987654\"}]", m.get(2).content());
        assertEquals("[TOOL_RESULTS] {\"call_id\":\"abcDEF123\",\"content\":\"18C\"} [/TOOL_RESULTS]\n\n"
                + "[TOOL_RESULTS] {\"call_id\":\"xyz987654\",\"content\":\"24C\"} [/TOOL_RESULTS]", m.get(3).content());
        assertTrue(m.get(5).content().startsWith("[AVAILABLE_TOOLS] [{\"type\":\"function\",\"function\":{\"name\":\"get_weather\""),
                m.get(5).content());
        assertTrue(m.get(5).content().endsWith("[/AVAILABLE_TOOLS]\n\nThanks"));
    }

    @Test
    void twoUserMessagesInARowStayTwoTurnsForTheTemplateToJudge() {
        ChatValidation.Checked c = check("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
                + "{\"role\":\"user\",\"content\":\"b\"}]}");
        assertEquals(List.of("user", "user"), ToolPrompt.render(c.conversation(), c.tools()).stream().map(ChatMessage::role).toList());
    }

    @Test
    void toolMessagesMustAnswerACall() {
        refused("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"abcDEF123\",\"content\":\"18C\"}]}", "messages[1].tool_call_id");
        String calls = "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"abcDEF123\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}";
        refused("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}," + calls + ","
                + "{\"role\":\"tool\",\"tool_call_id\":\"zzzzzzzzz\",\"content\":\"18C\"}]}", "messages[2].tool_call_id");
        refused("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}," + calls + ","
                + "{\"role\":\"user\",\"content\":\"and?\"}]}", "messages[2].role");
        refused("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"{nope\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"a\",\"content\":\"x\"}]}", "messages[1].tool_calls[0].function.arguments");
        refused("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"tool_call_id\":\"a\"}]}",
                "messages[0].tool_call_id");
        refused("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"x\"}]}",
                "messages[1].role");
    }

    @Test
    void anAssistantPrefixIsContinued() {
        ChatValidation.Checked c = check("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"content\":\"Once upon\",\"prefix\":true}]}");
        assertEquals("Once upon", c.conversation().prefix());
        assertEquals(1, c.conversation().turns().size());
        refused("{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"content\":\"a\",\"prefix\":true},"
                + "{\"role\":\"user\",\"content\":\"hi\"}]}", "messages[0].prefix");
    }

    @Test
    void toolCallOutputIsParsedAgainstTheTools() {
        ToolSet t = check(body(",\"tools\":[" + WEATHER + "]")).tools();
        var calls = ToolCalls.parse(" [TOOL_CALLS] [{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\"}}]", t).orElseThrow();
        assertEquals("get_weather", calls.getFirst().name());
        assertEquals("{\"city\":\"Oslo\"}", calls.getFirst().arguments());
        assertTrue(calls.getFirst().id().matches("[a-zA-Z0-9]{9}"));
        assertTrue(ToolCalls.parse("[{\"name\":\"other\",\"arguments\":{}}]", t).isEmpty());
        assertTrue(ToolCalls.parse("Hello there", t).isEmpty());
        assertTrue(ToolCalls.mayBeCall(" [TOOL_"));
        assertFalse(ToolCalls.mayBeCall("Hello"));
    }
}
