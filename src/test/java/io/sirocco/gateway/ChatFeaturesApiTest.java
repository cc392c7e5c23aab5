package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.sirocco.gateway.TestKeys.Key;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API fields of issue 11 that need no grammar: model aliases and capabilities, n choices (streamed with their
 * index, billed together), user/metadata on the ledger row, FIM, an assistant prefix, embedding dimensions and
 * dtypes, and the 422s of malformed tool input.
 */
@QuarkusTest
@TestProfile(ApiProfile.class)
@SuppressWarnings("unchecked")
class ChatFeaturesApiTest extends ApiTestBase {
    @Inject
    AgroalDataSource db;

    private Response post(Key key, String path, String body) {
        return given().header("Authorization", key.bearer()).contentType("application/json").body(body).post(path);
    }

    @Test
    void aliasesServeTheTierAndModelsListThem() {
        Key key = keys.create();
        given().header("Authorization", key.bearer()).get("/v1/models").then().statusCode(200)
                .body("data.find { it.id == 'mistral-tiny' }.aliases", contains("mistral-tiny-latest", "open-mistral-7b"))
                .body("data.find { it.id == 'mistral-tiny' }.capabilities.function_calling", equalTo(true))
                .body("data.find { it.id == 'mistral-tiny' }.capabilities.completion_fim", equalTo(true))
                .body("data.find { it.id == 'mistral-small' }.capabilities.completion_fim", equalTo(false))
                .body("data.find { it.id == 'mistral-embed' }.capabilities.function_calling", equalTo(false))
                .body("data.find { it.id == 'mistral-embed' }.aliases", contains("mistral-embed-latest"));
        given().header("Authorization", key.bearer()).get("/v1/models/open-mixtral-8x7b").then().statusCode(200)
                .body("id", equalTo("mistral-small"));
        Response r = post(key, "/v1/chat/completions",
                "{\"model\":\"mistral-small-latest\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        r.then().statusCode(200).body("model", equalTo("mistral-small"));
        assertTrue(keys.ledger(key.orgId()).containsKey(r.header("x-request-id")));
        // a key limited to a tier may use its aliases, not other tiers
        Key tiny = keys.create(100, 1_000_000, List.of("mistral-tiny"));
        post(tiny, "/v1/chat/completions", "{\"model\":\"open-mistral-7b\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .then().statusCode(200);
        post(tiny, "/v1/chat/completions", "{\"model\":\"mistral-small-latest\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .then().statusCode(403);
    }

    @Test
    void nChoicesAreAllReturnedAndBilledAndUserMetadataAreStored() throws Exception {
        Key key = keys.create();
        Response r = post(key, "/v1/chat/completions", "{\"model\":\"mistral-tiny\",\"max_tokens\":4,\"n\":3,\"seed\":5,"
                + "\"presence_penalty\":1,\"frequency_penalty\":1,\"user\":\"end-user-7\",\"metadata\":{\"team\":\"blue\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        r.then().statusCode(200).body("choices", hasSize(3)).body("choices.index", contains(0, 1, 2));
        int completion = r.path("usage.completion_tokens");
        assertEquals(12, completion, "three choices of 4 tokens each are billed");
        String id = r.header("x-request-id");
        assertTrue(keys.ledger(key.orgId()).get(id).startsWith("completed "));
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select end_user, metadata::text, completion_tokens from usage_ledger where request_id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals("end-user-7", rs.getString(1));
                assertEquals("{\"team\": \"blue\"}", rs.getString(2));
                assertEquals(12, rs.getInt(3));
            }
        }
        // streamed: every choice's chunks carry its index, and each choice ends with its finish_reason
        String sse = post(key, "/v1/chat/completions", "{\"model\":\"mistral-tiny\",\"max_tokens\":3,\"n\":2,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").then().statusCode(200).extract().asString();
        Set<String> finished = new TreeSet<>();
        Matcher m = Pattern.compile("\"index\":(\\d),\"delta\":\\{[^}]*},\"finish_reason\":\"(\\w+)\"").matcher(sse);
        while (m.find()) {
            finished.add(m.group(1));
        }
        assertEquals(Set.of("0", "1"), finished, sse);
        assertTrue(sse.contains("\"completion_tokens\":6"), sse);
        assertTrue(sse.endsWith("data: [DONE]\n\n"));
    }

    @Test
    void logprobsInOpenAisShape() {
        Key key = keys.create();
        Response r = post(key, "/v1/chat/completions", "{\"model\":\"mistral-tiny\",\"max_tokens\":4,\"temperature\":0,"
                + "\"logprobs\":true,\"top_logprobs\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        r.then().statusCode(200);
        List<java.util.Map<String, Object>> content = r.path("choices[0].logprobs.content");
        int completion = r.path("usage.completion_tokens");
        assertTrue(content.size() == completion || content.size() == completion - 1, "one entry per token but the end");
        for (java.util.Map<String, Object> e : content) {
            List<java.util.Map<String, Object>> top = (List<java.util.Map<String, Object>>) e.get("top_logprobs");
            assertEquals(3, top.size());
            float lp = ((Number) e.get("logprob")).floatValue();
            assertTrue(lp <= 0);
            assertEquals(((Number) top.get(0).get("logprob")).floatValue(), lp, 1e-6, "greedy takes the most likely token");
            assertEquals(top.get(0).get("token"), e.get("token"));
            assertTrue(((Number) top.get(1).get("logprob")).floatValue() <= ((Number) top.get(0).get("logprob")).floatValue());
        }
        String sse = post(key, "/v1/chat/completions", "{\"model\":\"mistral-tiny\",\"max_tokens\":3,\"stream\":true,"
                + "\"logprobs\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").then().statusCode(200)
                .extract().asString();
        assertTrue(sse.contains("\"logprobs\":{\"content\":[{\"token\":"), sse);
    }

    @Test
    void fimOnTheTierWithFimTokensAndA400Elsewhere() {
        Key key = keys.create();
        Response r = post(key, "/v1/fim/completions", "{\"model\":\"mistral-tiny\",\"prompt\":\"def add(a, b):\\n    return\","
                + "\"suffix\":\"\\nprint(add(1, 2))\",\"max_tokens\":5,\"min_tokens\":5,\"temperature\":0}");
        r.then().statusCode(200).body("object", equalTo("chat.completion")).body("model", equalTo("mistral-tiny"))
                .body("choices[0].message.role", equalTo("assistant"))
                .body("choices[0].finish_reason", equalTo("length"))
                .body("usage.completion_tokens", equalTo(5));
        assertTrue(keys.ledger(key.orgId()).get(r.header("x-request-id")).startsWith("completed "));
        post(key, "/v1/fim/completions", "{\"model\":\"mistral-tiny\",\"prompt\":\"x = \",\"max_tokens\":3,\"stream\":true}")
                .then().statusCode(200).body(containsString("data: [DONE]"));
        post(key, "/v1/fim/completions", "{\"model\":\"mistral-small\",\"prompt\":\"x = \"}").then().statusCode(400)
                .body("error.code", equalTo("fim_not_supported")).body("error.message", containsString("mistral-small"));
        post(key, "/v1/fim/completions", "{\"model\":\"mistral-tiny\",\"prompt\":\"x\",\"max_tokens\":2,\"min_tokens\":3}")
                .then().statusCode(422).body("error.param", equalTo("max_tokens"));
        post(key, "/v1/fim/completions", "{\"model\":\"mistral-tiny\",\"prompt\":\"x\",\"suffx\":\"y\"}")
                .then().statusCode(422).body("error.code", equalTo("unknown_field"));
    }

    @Test
    void anAssistantPrefixIsContinued() {
        Key key = keys.create();
        String base = "{\"model\":\"mistral-tiny\",\"max_tokens\":4,\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}";
        int plain = post(key, "/v1/chat/completions", base + "]}").path("usage.prompt_tokens");
        Response r = post(key, "/v1/chat/completions", base + ",{\"role\":\"assistant\",\"content\":\"Once upon a time\",\"prefix\":true}]}");
        r.then().statusCode(200);
        int withPrefix = r.path("usage.prompt_tokens");
        assertTrue(withPrefix > plain + 2, plain + " → " + withPrefix);
    }

    @Test
    void embeddingDimensionsAndDtypes() {
        Key key = keys.create();
        List<Float> full = post(key, "/v1/embeddings", "{\"model\":\"mistral-embed\",\"input\":\"The wind\"}").path("data[0].embedding");
        List<Float> cut = post(key, "/v1/embeddings", "{\"model\":\"mistral-embed\",\"input\":\"The wind\",\"output_dimension\":8}")
                .path("data[0].embedding");
        assertEquals(8, cut.size());
        double norm = 0;
        for (int i = 0; i < 8; i++) {
            norm += full.get(i) * full.get(i);
        }
        for (int i = 0; i < 8; i++) {
            assertEquals(full.get(i) / Math.sqrt(norm), cut.get(i), 1e-5, "re-normalised Matryoshka prefix");
        }
        List<Integer> int8 = post(key, "/v1/embeddings", "{\"model\":\"mistral-embed\",\"input\":\"The wind\",\"output_dtype\":\"int8\"}")
                .path("data[0].embedding");
        assertEquals(1024, int8.size());
        for (int i = 0; i < 1024; i++) {
            assertEquals(Math.round(full.get(i) * 127.0), int8.get(i).longValue(), 1, "int8 " + i);
        }
        List<Integer> ubinary = post(key, "/v1/embeddings", "{\"model\":\"mistral-embed\",\"input\":\"The wind\",\"output_dtype\":\"ubinary\"}")
                .path("data[0].embedding");
        assertEquals(128, ubinary.size());
        for (int i = 0; i < 1024; i++) {
            assertEquals(full.get(i) > 0, (ubinary.get(i / 8) & (0x80 >>> (i % 8))) != 0, "bit " + i);
        }
        String b64 = post(key, "/v1/embeddings", "{\"model\":\"mistral-embed\",\"input\":\"The wind\",\"dimensions\":16,"
                + "\"output_dtype\":\"uint8\",\"encoding_format\":\"base64\"}").path("data[0].embedding");
        assertEquals(16, Base64.getDecoder().decode(b64).length);
        post(key, "/v1/embeddings", "{\"model\":\"mistral-embed\",\"input\":\"a\",\"dimensions\":0}").then().statusCode(422)
                .body("error.param", equalTo("dimensions"));
    }

    @Test
    void malformedToolInputIs422NamingTheField() {
        Key key = keys.create();
        String tool = "{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}}";
        String recursive = "{\"type\":\"object\",\"properties\":{\"n\":{\"$ref\":\"#/$defs/n\"}},\"$defs\":{\"n\":{\"type\":\"object\","
                + "\"properties\":{\"next\":{\"$ref\":\"#/$defs/n\"}}}}}";
        String[][] cases = {
                {"\"tools\":[{\"type\":\"function\",\"function\":{\"description\":\"no name\"}}]", "tools[0].function.name"},
                {"\"tools\":[" + tool + "],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"g\"}}", "tool_choice"},
                {"\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":" + recursive + "}}]",
                        "tools[0].function.parameters"},
                {"\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{\"type\":\"object\",\"description\":\""
                        + "d".repeat(70_000) + "\"}}}", "response_format.json_schema.schema"},
                {"\"n\":20", "n"},
                {"\"presence_penalty\":3", "presence_penalty"},
        };
        for (String[] c : cases) {
            post(key, "/v1/chat/completions", "{\"model\":\"mistral-tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                    + c[0] + "}").then().statusCode(422).body("error.param", equalTo(c[1]));
        }
        post(key, "/v1/chat/completions", "{\"model\":\"mistral-tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"abcdefghi\",\"content\":\"18C\"}]}")
                .then().statusCode(422).body("error.param", equalTo("messages[1].tool_call_id"));
    }
}
