package io.sirocco.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.sirocco.engine.ChatMessage;
import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.TokenLogprobs;
import io.sirocco.engine.demo.DemoModels;
import io.sirocco.engine.grammar.Grammar;
import io.sirocco.engine.runtime.LocalEngine;
import io.sirocco.gateway.TestKeys.Key;
import io.sirocco.gateway.dispatch.EngineSource;
import io.sirocco.gateway.dispatch.InferenceConsumer;
import io.sirocco.gateway.dispatch.RabbitSettings;
import io.sirocco.gateway.dispatch.RemoteEngine;
import io.sirocco.templates.JinjaTemplates;
import org.eclipse.microprofile.config.Config;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chat features of issue 11 through a scaled-out gateway: this service runs in the gateway role (no model in the
 * JVM, requests go through the run's RabbitMQ vhost), and a worker ({@link InferenceConsumer} on a real
 * {@link LocalEngine} over the same demo file) serves them. Tool calls, json_schema, logprobs, penalties, n, seed
 * and FIM must come back as they do from a local engine: the same tokens, the same log-probabilities, valid JSON.
 */
@QuarkusTest
@TestProfile(ScaledOutChatTest.Gateway.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScaledOutChatTest extends ApiTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MODELS = Path.of("target/test-data/models");

    public static class Gateway implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            DemoModels.writeIfMissing(MODELS);
            return Map.of("sirocco.role", "gateway", "sirocco.models.queue-capacity", "256");
        }
    }

    @Inject
    Config config;

    private Engine local;
    private InferenceConsumer worker;

    @BeforeAll
    void startWorker() throws Exception {
        local = LocalEngine.open(DemoModels.file(MODELS, "mistral-tiny"), new EngineOptions(2, 4, 4096, 4096, true),
                new JinjaTemplates());
        EngineSource source = new EngineSource() {
            @Override
            public Engine engine(String model) {
                return model.equals("mistral-tiny") ? local : null;
            }

            @Override
            public int slots(String model) {
                return 4;
            }
        };
        worker = new InferenceConsumer(RabbitSettings.from(config).connect("scaled-out-chat-test", false), source,
                List.of("mistral-tiny"), Duration.ofMillis(200), Duration.ofMillis(10));
        worker.start();
    }

    @AfterAll
    void stopWorker() throws Exception {
        worker.drain(Duration.ofSeconds(10));
        worker.close();
        local.close();
    }

    private Response post(Key key, String path, String body) {
        return given().header("Authorization", key.bearer()).contentType("application/json").body(body).post(path);
    }

    @Test
    void theGatewayDispatchesRatherThanGenerating() {
        assertInstanceOf(RemoteEngine.class, registry.get("mistral-tiny").orElseThrow().engine());
    }

    @Test
    void forcedToolCallsHaveArgumentsValidAgainstTheToolSchema() throws Exception {
        String schema = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"maxLength\":12},"
                + "\"days\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":7}},\"required\":[\"city\",\"days\"],"
                + "\"additionalProperties\":false}";
        String body = "{\"model\":\"mistral-tiny\",\"max_tokens\":200,\"temperature\":0.8,\"random_seed\":7,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Oslo?\"}],\"tool_choice\":\"any\",\"parallel_tool_calls\":false,"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":" + schema + "}}]}";
        Key key = keys.create();
        JsonNode r = JSON.readTree(post(key, "/v1/chat/completions", body).then().statusCode(200).extract().asString());
        JsonNode choice = r.path("choices").path(0);
        assertEquals("tool_calls", choice.path("finish_reason").asText(), r.toString());
        JsonNode call = choice.path("message").path("tool_calls").path(0);
        assertEquals("get_weather", call.path("function").path("name").asText());
        assertEquals(9, call.path("id").asText().length());
        assertValid(schema, call.path("function").path("arguments").asText());

        // streamed: delta.tool_calls, the same arguments (same seed)
        String sse = post(key, "/v1/chat/completions", body.replace("{\"model\"", "{\"stream\":true,\"model\""))
                .then().statusCode(200).extract().asString();
        JsonNode streamedCall = null;
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode delta = JSON.readTree(line.substring(6)).path("choices").path(0).path("delta");
                if (delta.has("tool_calls")) {
                    streamedCall = delta.path("tool_calls").path(0);
                }
            }
        }
        assertTrue(streamedCall != null, sse);
        assertEquals(call.path("function").path("arguments").asText(),
                streamedCall.path("function").path("arguments").asText());
        assertTrue(sse.contains("\"finish_reason\":\"tool_calls\""), sse);
    }

    @Test
    void jsonSchemaRepliesValidateAndJsonModeGivesAnObject() throws Exception {
        String schema = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":10},"
                + "\"tags\":{\"type\":\"array\",\"items\":{\"enum\":[\"a\",\"b\"]},\"maxItems\":3},"
                + "\"ok\":{\"type\":\"boolean\"}},\"required\":[\"name\",\"tags\",\"ok\"],\"additionalProperties\":false}";
        Key key = keys.create();
        for (int seed = 1; seed <= 3; seed++) {
            JsonNode r = JSON.readTree(post(key, "/v1/chat/completions", "{\"model\":\"mistral-tiny\",\"max_tokens\":150,"
                    + "\"temperature\":1,\"random_seed\":" + seed + ",\"messages\":[{\"role\":\"user\",\"content\":\"A person\"}],"
                    + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"p\",\"strict\":true,"
                    + "\"schema\":" + schema + "}}}").then().statusCode(200).extract().asString());
            JsonNode choice = r.path("choices").path(0);
            assertEquals("stop", choice.path("finish_reason").asText(), r.toString());
            assertValid(schema, choice.path("message").path("content").asText());
        }
        JsonNode r = JSON.readTree(post(key, "/v1/chat/completions", "{\"model\":\"mistral-tiny\",\"max_tokens\":200,"
                + "\"temperature\":0.7,\"random_seed\":3,\"messages\":[{\"role\":\"user\",\"content\":\"JSON\"}],"
                + "\"response_format\":{\"type\":\"json_object\"}}").then().statusCode(200).extract().asString());
        JsonNode choice = r.path("choices").path(0);
        if (choice.path("finish_reason").asText().equals("stop")) {
            assertTrue(JSON.readTree(choice.path("message").path("content").asText()).isObject(), r.toString());
        } else {
            assertEquals("length", choice.path("finish_reason").asText(), "a cut object is length, never stop");
        }
    }

    /**
     * n choices with a seed, penalties and a JSON-mode grammar: choice i is what the local engine generates for the
     * same prompt with seed + i, token for token, with the same log-probabilities.
     */
    @Test
    void nChoicesSeedPenaltiesGrammarAndLogprobsMatchTheLocalEngine() throws Exception {
        Key key = keys.create();
        JsonNode r = JSON.readTree(post(key, "/v1/chat/completions", "{\"model\":\"mistral-tiny\",\"max_tokens\":16,"
                + "\"temperature\":0.9,\"top_p\":0.95,\"seed\":42,\"n\":2,\"presence_penalty\":0.8,\"frequency_penalty\":1.1,"
                + "\"logprobs\":true,\"top_logprobs\":3,\"response_format\":{\"type\":\"json_object\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Some JSON please\"}]}")
                .then().statusCode(200).extract().asString());
        int[] prompt = local.encodeChat(List.of(new ChatMessage("user", "Some JSON please")), false);
        assertEquals(prompt.length, r.path("usage").path("prompt_tokens").asInt());
        int completion = 0;
        for (int i = 0; i < 2; i++) {
            List<TokenLogprobs> lps = new ArrayList<>();
            GenerationParams p = new GenerationParams(0.9f, 0.95f, 16, List.of(), 42L + i, 0.8f, 1.1f, 0,
                    Grammar.jsonObject());
            GenerationResult expected = local.generate(prompt, p, new TokenLogprobs.Listener() {
                @Override
                public int topLogprobs() {
                    return 3;
                }

                @Override
                public void onLogprobs(TokenLogprobs logprobs) {
                    lps.add(logprobs);
                }

                @Override
                public void onToken(int tokenId, String textDelta) {
                }
            }).result().get();
            JsonNode choice = r.path("choices").path(i);
            assertEquals(i, choice.path("index").asInt());
            assertEquals(expected.text().strip(), choice.path("message").path("content").asText().strip(), "choice " + i);
            assertEquals(ChatCompletions.finishReason(expected.finishReason()), choice.path("finish_reason").asText());
            JsonNode content = choice.path("logprobs").path("content");
            assertEquals(lps.size(), content.size(), "one entry per token");
            for (int t = 0; t < lps.size(); t++) {
                assertEquals(lps.get(t).logprob(), (float) content.path(t).path("logprob").asDouble(), 1e-6);
                assertEquals(3, content.path(t).path("top_logprobs").size());
                assertEquals(lps.get(t).top().get(1).logprob(),
                        (float) content.path(t).path("top_logprobs").path(1).path("logprob").asDouble(), 1e-6);
            }
            completion += expected.completionTokens();
        }
        assertEquals(completion, r.path("usage").path("completion_tokens").asInt(), "both choices billed");
    }

    @Test
    void fimIsServedByTheWorkerAndListedAsACapability() throws Exception {
        Key key = keys.create();
        given().header("Authorization", key.bearer()).get("/v1/models").then().statusCode(200)
                .body("data.find { it.id == 'mistral-tiny' }.capabilities.completion_fim", equalTo(true));
        JsonNode r = JSON.readTree(post(key, "/v1/fim/completions", "{\"model\":\"mistral-tiny\",\"prompt\":\"def add(a, b):\","
                + "\"suffix\":\"\\n    return c\",\"max_tokens\":6,\"temperature\":0}").then().statusCode(200)
                .extract().asString());
        int[] prompt = local.encodeFim("def add(a, b):", "\n    return c");
        assertEquals(prompt.length, r.path("usage").path("prompt_tokens").asInt());
        GenerationResult expected = local.generate(prompt, GenerationParams.greedy(6), (id, d) -> { }).result().get();
        assertEquals(expected.text().strip(), r.path("choices").path(0).path("message").path("content").asText().strip());
        String sse = post(key, "/v1/fim/completions", "{\"model\":\"mistral-tiny\",\"prompt\":\"x = \",\"max_tokens\":3,"
                + "\"stream\":true}").then().statusCode(200).extract().asString();
        assertTrue(sse.endsWith("data: [DONE]\n\n"), sse);
        assertFalse(sse.contains("\"error\""), sse);
    }

    /**
     * Batch lines (FIM, of a fixed length) through the scaled-out gateway fill the worker (its engine's four sequences and its four batch
     * slots); a live stream sent then gets its first token before any line has finished: the worker starts it at
     * once and its engine preempts a batch generation, which starts over. Every line still ends once: one result
     * and one ledger row each, with all its tokens.
     */
    @Test
    void aLiveStreamDoesNotWaitForBatchLinesThatFillTheWorker() throws Exception {
        Key batchKey = keys.create();
        int lines = 6;
        int length = 160;
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < lines; i++) { // FIM lines: min_tokens = max_tokens, so no line ends early
            in.append("{\"custom_id\":\"b").append(i).append("\",\"body\":{\"max_tokens\":").append(length)
                    .append(",\"min_tokens\":").append(length).append(",\"temperature\":0,")
                    .append("\"prompt\":\"def story_").append(i).append("():\"}}\n");
        }
        String file = given().header("Authorization", batchKey.bearer()).multiPart("purpose", "batch")
                .multiPart("file", "in.jsonl", in.toString().getBytes(StandardCharsets.UTF_8), "application/jsonl")
                .post("/v1/files").then().statusCode(200).extract().path("id");
        String job = post(batchKey, "/v1/batch/jobs", "{\"input_files\":[\"" + file
                + "\"],\"endpoint\":\"/v1/fim/completions\",\"model\":\"mistral-tiny\"}")
                .then().statusCode(200).extract().path("id");
        await().atMost(Duration.ofSeconds(60)).until(() -> local.stats().runningSequences() == 4);

        Key liveKey = keys.create();
        HttpResponse<Stream<String>> live = HttpClient.newHttpClient().send(jsonPost(liveKey, "v1/chat/completions",
                "{\"model\":\"mistral-tiny\",\"stream\":true,\"max_tokens\":3,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Quick\"}]}", Duration.ofSeconds(60)),
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, live.statusCode());
        Iterator<String> events = live.body().filter(l -> l.startsWith("data: {")).iterator();
        String first;
        do { // the role chunk goes out before the engine has made anything
            first = events.next();
        } while (first.contains("\"role\":\"assistant\""));
        Map<String, String> linesBilledAtFirstToken = keys.ledger(batchKey.orgId());
        events.forEachRemaining(e -> { });
        assertTrue(linesBilledAtFirstToken.isEmpty(),
                "the live stream's first token came before any batch line ended: " + linesBilledAtFirstToken);

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(300)).until(() -> "SUCCESS".equals(
                given().header("Authorization", batchKey.bearer()).get("/v1/batch/jobs/" + job).path("status")));
        String output = given().header("Authorization", batchKey.bearer()).get("/v1/batch/jobs/" + job)
                .path("output_file");
        String content = given().header("Authorization", batchKey.bearer()).get("/v1/files/" + output + "/content")
                .then().statusCode(200).extract().asString();
        Set<String> ids = new HashSet<>();
        for (String line : content.split("\n")) {
            JsonNode r = JSON.readTree(line);
            assertTrue(ids.add(r.path("custom_id").asText()), "each line answered once: " + content);
            assertEquals(200, r.path("response").path("status_code").asInt());
            assertEquals(length, r.path("response").path("body").path("usage").path("completion_tokens").asInt());
        }
        assertEquals(lines, ids.size());
        Map<String, String> ledger = keys.ledger(batchKey.orgId());
        assertEquals(lines, ledger.size(), "one ledger row per line: " + ledger);
        ledger.values().forEach(row -> assertTrue(row.startsWith("completed ") && row.split(" ")[2].equals(
                Integer.toString(length)), "billed once, for the finished attempt's tokens: " + row));
    }

    private static void assertValid(String schema, String document) throws Exception {
        var errors = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema)
                .validate(JSON.readTree(document));
        assertTrue(errors.isEmpty(), document + ": " + errors);
    }
}
