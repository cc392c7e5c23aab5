package io.sirocco.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.gateway.TestKeys.Key;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tool_choice: "auto"} over HTTP on a model whose vocabulary has Mistral's tool control tokens and which
 * chooses to call ({@link ToolTokenCallsProfile}: its first token is {@code [TOOL_CALLS]}): the reply is a
 * well-formed tool call (finish_reason tool_calls, a 9-character id, arguments that validate against the tool's
 * schema, no marker text in the content), unstreamed and streamed alike; the grammar takes over after the token.
 */
@QuarkusTest
@TestProfile(ToolTokenCallsProfile.class)
class ToolTokenCallsApiTest extends ApiTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    private String post(Key key, String body) {
        return given().header("Authorization", key.bearer()).contentType("application/json").body(body)
                .post("/v1/chat/completions").then().statusCode(200).extract().asString();
    }

    @Test
    void autoBecomesAToolCallWhenTheModelWritesTheControlToken() throws Exception {
        Key key = keys.create();
        JsonNode r = JSON.readTree(post(key, ToolTokenCallsProfile.REQUEST));
        JsonNode choice = r.path("choices").path(0);
        assertEquals("tool_calls", choice.path("finish_reason").asText(), r.toString());
        JsonNode message = choice.path("message");
        assertTrue(message.path("content").isNull() || message.path("content").asText().isEmpty(),
                "no text beside the call: " + r);
        assertEquals(1, message.path("tool_calls").size(), r.toString());
        JsonNode call = message.path("tool_calls").path(0);
        assertEquals("function", call.path("type").asText());
        assertEquals("get_weather", call.path("function").path("name").asText());
        assertTrue(call.path("id").asText().matches("[A-Za-z0-9]{9}"), r.toString());
        String arguments = call.path("function").path("arguments").asText();
        assertValid(ToolTokenCallsProfile.ARGUMENTS, arguments);
        assertTrue(r.path("usage").path("completion_tokens").asInt() > 1, r.toString());

        // streamed: the call as delta.tool_calls (the same, greedy), no content deltas, then [DONE]
        String sse = post(key, ToolTokenCallsProfile.REQUEST.replace("{\"model\"", "{\"stream\":true,\"model\""));
        List<JsonNode> calls = new ArrayList<>();
        StringBuilder content = new StringBuilder();
        String finish = null;
        for (String line : sse.split("\n")) {
            if (!line.startsWith("data: {")) {
                continue;
            }
            JsonNode c = JSON.readTree(line.substring(6)).path("choices").path(0);
            JsonNode delta = c.path("delta");
            delta.path("tool_calls").forEach(calls::add);
            content.append(delta.path("content").asText(""));
            if (c.hasNonNull("finish_reason")) {
                finish = c.path("finish_reason").asText();
            }
        }
        assertEquals("tool_calls", finish, sse);
        assertEquals("", content.toString(), "no text streamed for a call: " + sse);
        assertFalse(calls.isEmpty(), sse);
        StringBuilder streamedArguments = new StringBuilder();
        for (JsonNode d : calls) {
            assertEquals(0, d.path("index").asInt());
            streamedArguments.append(d.path("function").path("arguments").asText(""));
        }
        assertEquals("get_weather", calls.get(0).path("function").path("name").asText(), sse);
        assertNotNull(calls.get(0).path("id").textValue(), sse);
        assertEquals(arguments, streamedArguments.toString(), "the same call, streamed");
        assertTrue(sse.endsWith("data: [DONE]\n\n"), sse);
    }

    /** With {@code none}, the same model gets no call grammar and cannot return a call. */
    @Test
    void noneNeverReturnsACallEvenWhenTheModelWantsOne() throws Exception {
        Key key = keys.create();
        JsonNode r = JSON.readTree(post(key, ToolTokenCallsProfile.REQUEST.replace("\"tool_choice\":\"auto\"",
                "\"tool_choice\":\"none\"").replace("\"max_tokens\":80", "\"max_tokens\":8")));
        JsonNode choice = r.path("choices").path(0);
        assertTrue(choice.path("message").path("tool_calls").isMissingNode()
                || choice.path("message").path("tool_calls").isNull()
                || choice.path("message").path("tool_calls").isEmpty(), r.toString());
        assertTrue(List.of("stop", "length").contains(choice.path("finish_reason").asText()), r.toString());
    }

    private static void assertValid(String schema, String document) throws Exception {
        var errors = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema)
                .validate(JSON.readTree(document));
        assertTrue(errors.isEmpty(), document + ": " + errors);
    }
}
