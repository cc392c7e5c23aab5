package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.sirocco.gateway.TestKeys.Key;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Chat completions, plain and streamed (SSE parsed byte by byte), with usage, cost and rate-limit headers. */
@QuarkusTest
@TestProfile(ApiProfile.class)
class ChatApiTest extends ApiTestBase {
    static final String HELLO = "{\"model\":\"mistral-tiny\",\"temperature\":0,\"max_tokens\":12,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]";

    @Test
    void completesWithUsageCostAndHeaders() {
        Key key = keys.create(50, 100_000, List.of());
        keys.awaitWindowWithRoom(15);
        Response r = given().header("Authorization", key.bearer()).contentType("application/json")
                .body(HELLO + "}").post("/v1/chat/completions");
        r.then().statusCode(200)
                .header("x-request-id", matchesPattern("[0-9a-f]{24}"))
                .header("x-sirocco-cost-eur", notNullValue())
                .header("x-ratelimit-limit-requests", "50")
                .header("x-ratelimit-remaining-requests", "49")
                .header("x-ratelimit-limit-tokens", "100000")
                .header("x-ratelimit-remaining-tokens", notNullValue())
                .header("x-ratelimit-reset-requests", matchesPattern("\\d+s"))
                .body("object", equalTo("chat.completion"))
                .body("id", startsWith("cmpl-"))
                .body("model", equalTo("mistral-tiny"))
                .body("choices[0].index", equalTo(0))
                .body("choices[0].message.role", equalTo("assistant"))
                .body("choices[0].finish_reason", anyOf(equalTo("stop"), equalTo("length")))
                .body("usage.prompt_tokens", greaterThan(0))
                .body("usage.completion_tokens", greaterThan(0));
        assertNoLeadingSpace(r.path("choices[0].message.content"));
        int prompt = r.path("usage.prompt_tokens");
        int completion = r.path("usage.completion_tokens");
        assertEquals(prompt + completion, (int) r.path("usage.total_tokens"));
        // mistral-tiny launch prices: 0.14 € in, 0.014 € cached in (an earlier test may have sent this prompt),
        // 0.42 € out per million tokens
        int cached = r.path("usage.prompt_tokens_details.cached_tokens");
        BigDecimal expected = new BigDecimal("0.14").multiply(BigDecimal.valueOf(prompt - cached))
                .add(new BigDecimal("0.014").multiply(BigDecimal.valueOf(cached)))
                .add(new BigDecimal("0.42").multiply(BigDecimal.valueOf(completion))).movePointLeft(6);
        assertEquals(0, expected.compareTo(new BigDecimal(r.header("x-sirocco-cost-eur"))));
        long remainingTokens = Long.parseLong(r.header("x-ratelimit-remaining-tokens"));
        assertEquals(100_000 - prompt, remainingTokens);
        String ledger = keys.ledger(key.orgId()).get(r.header("x-request-id"));
        assertEquals("completed " + prompt + " " + completion + " " + expected.stripTrailingZeros().toPlainString(), ledger);
        // the completion tokens count against the minute's token budget once the request ends
        Response second = given().header("Authorization", key.bearer()).get("/v1/models");
        second.then().statusCode(200).header("x-ratelimit-remaining-requests", "48");
        assertEquals(100_000 - prompt - completion, Long.parseLong(second.header("x-ratelimit-remaining-tokens")));
    }

    @Test
    void streamsExactSseFramesEndingInDone() {
        Key key = keys.create();
        // the OpenAI SDK asks for JSON even when streaming: stream anyway
        Response r = given().header("Authorization", key.bearer()).contentType("application/json")
                .accept("application/json").body(HELLO + ",\"stream\":true}").post("/v1/chat/completions");
        r.then().statusCode(200).header("content-type", startsWith("text/event-stream"))
                .header("x-request-id", notNullValue()).header("x-ratelimit-remaining-requests", notNullValue());
        List<Map<String, Object>> chunks = Sse.parse(r.asByteArray());
        Map<String, Object> first = chunks.getFirst();
        assertEquals("chat.completion.chunk", first.get("object"));
        assertEquals("assistant", Sse.delta(first).get("role"));
        StringBuilder text = new StringBuilder();
        for (Map<String, Object> c : chunks) {
            assertEquals("cmpl-" + r.header("x-request-id"), c.get("id"));
            Object content = Sse.delta(c).get("content");
            if (content != null) {
                text.append(content);
            }
        }
        assertFalse(text.isEmpty(), "the stream carried tokens");
        assertNoLeadingSpace(text.toString());
        Map<String, Object> last = chunks.getLast();
        assertNotNull(Sse.choice(last).get("finish_reason"));
        for (Map<String, Object> c : chunks.subList(0, chunks.size() - 1)) {
            assertNull(Sse.choice(c).get("finish_reason"));
            assertFalse(c.containsKey("usage"));
        }
        @SuppressWarnings("unchecked") Map<String, Object> usage = (Map<String, Object>) last.get("usage");
        assertTrue((Integer) usage.get("completion_tokens") > 0);
        assertTrue(new BigDecimal((String) usage.get("cost_eur")).signum() > 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> keys.ledger(key.orgId()).size() == 1);
        String ledger = keys.ledger(key.orgId()).get(r.header("x-request-id"));
        assertEquals("completed " + usage.get("prompt_tokens") + " " + usage.get("completion_tokens") + " "
                + new BigDecimal((String) usage.get("cost_eur")).stripTrailingZeros().toPlainString(), ledger);
    }

    /** Like Mistral's API, the engine's first-piece space is not sent: across the demo models and a few prompts. */
    @Test
    void contentNeverStartsWithASpace() {
        Key key = keys.create();
        for (String model : new String[]{"mistral-tiny", "mistral-small", "mistral-medium"}) {
            for (int seed = 0; seed < 3; seed++) {
                String body = "{\"model\":\"" + model + "\",\"max_tokens\":4,\"random_seed\":" + seed
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello " + seed + "\"}]";
                String content = given().header("Authorization", key.bearer()).contentType("application/json")
                        .body(body + "}").post("/v1/chat/completions").then().statusCode(200)
                        .extract().path("choices[0].message.content");
                assertNoLeadingSpace(content);
                StringBuilder streamed = new StringBuilder();
                for (Map<String, Object> c : Sse.parse(given().header("Authorization", key.bearer())
                        .contentType("application/json").body(body + ",\"stream\":true}").post("/v1/chat/completions")
                        .asByteArray())) {
                    Object part = Sse.delta(c).get("content");
                    if (part != null) {
                        streamed.append(part);
                    }
                }
                assertNoLeadingSpace(streamed.toString());
                assertEquals(content, streamed.toString(), model + " seed " + seed + ": same text streamed or not");
            }
        }
    }

    static void assertNoLeadingSpace(String content) {
        assertNotNull(content);
        assertFalse(content.startsWith(" "), "content starts with a space: '" + content + "'");
    }

    @Test
    void includeUsageSendsAUsageOnlyChunkLast() {
        Key key = keys.create();
        Response r = given().header("Authorization", key.bearer()).contentType("application/json")
                .body(HELLO + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}")
                .post("/v1/chat/completions");
        List<Map<String, Object>> chunks = Sse.parse(r.asByteArray());
        Map<String, Object> last = chunks.getLast();
        assertEquals(List.of(), last.get("choices"));
        assertNotNull(last.get("usage"));
        assertNotNull(Sse.choice(chunks.get(chunks.size() - 2)).get("finish_reason"));
    }

    @Test
    void disconnectCancelsTheRealEngineSequenceAndFreesItsKvCache() throws Exception {
        Key key = keys.create();
        var engine = registry.get("mistral-medium").orElseThrow().engine();
        assertEquals(0, engine.stats().kvBlocksUsed());
        java.net.Socket socket = new java.net.Socket("localhost", base.getPort());
        String body = "{\"model\":\"mistral-medium\",\"stream\":true,\"max_tokens\":3000,\"temperature\":1,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Write forever\"}]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: "
                + key.bearer() + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        var in = socket.getInputStream();
        byte[] buf = new byte[8192];
        int got = 0;
        while (got < 2000) { // headers, the role chunk and some tokens
            int n = in.read(buf);
            assertTrue(n > 0, "stream ended early");
            got += n;
        }
        assertTrue(engine.stats().kvBlocksUsed() > 0, "the sequence holds KV blocks while it runs");
        socket.close(); // the client goes away mid-stream
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.stats().kvBlocksUsed() == 0
                && engine.stats().runningSequences() == 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> keys.ledger(key.orgId()).size() == 1);
        String row = keys.ledger(key.orgId()).values().iterator().next();
        assertTrue(row.startsWith("aborted "), row);
        int completion = Integer.parseInt(row.split(" ")[2]);
        assertTrue(completion > 0 && completion < 3000, "billed for the tokens produced: " + row);
    }

    @Test
    void maxTokensEndsWithLength() {
        Key key = keys.create();
        given().header("Authorization", key.bearer()).contentType("application/json")
                .body("{\"model\":\"mistral-small\",\"max_tokens\":1,\"temperature\":0,"
                        + "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Tell me a long story\"}]}")
                .post("/v1/chat/completions").then().statusCode(200)
                .body("choices[0].finish_reason", equalTo("length"))
                .body("usage.completion_tokens", equalTo(1));
    }

    @Test
    void listsAndDescribesModels() {
        Key key = keys.create();
        given().header("Authorization", key.bearer()).get("/v1/models").then().statusCode(200)
                .header("x-request-id", notNullValue())
                .header("x-ratelimit-limit-requests", notNullValue())
                .body("object", equalTo("list"))
                .body("data.id", hasItems("mistral-tiny", "mistral-small", "mistral-medium", "mistral-embed"))
                .body("data[0].max_context_length", greaterThan(0));
        given().header("Authorization", key.bearer()).get("/v1/models/mistral-medium").then().statusCode(200)
                .body("id", equalTo("mistral-medium")).body("object", equalTo("model"))
                .body("max_context_length", greaterThan(0)).body("capabilities.completion_chat", equalTo(true));
        Key onlyTiny = keys.create(100, 100_000, List.of("mistral-tiny"));
        given().header("Authorization", onlyTiny.bearer()).get("/v1/models").then().statusCode(200)
                .body("data.id", equalTo(List.of("mistral-tiny")));
    }

    @Test
    void operationsEndpoints() {
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200).body(org.hamcrest.Matchers.containsString("/v1/chat/completions"));
        Key key = keys.create();
        given().header("Authorization", key.bearer()).contentType("application/json")
                .body(HELLO + ",\"stream\":true}").post("/v1/chat/completions").then().statusCode(200);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String name : new String[]{"sirocco:num_requests_waiting{", "sirocco:num_requests_running{",
                "sirocco:time_to_first_token_seconds_count{", "sirocco:prompt_tokens_total{",
                "sirocco:generation_tokens_total{", "sirocco:request_queue_time_seconds_count{"}) {
            assertTrue(metrics.contains(name), name + " missing from /q/metrics");
        }
        assertTrue(metrics.contains("model=\"mistral-tiny\""));
    }

    /** Server-sent events, checked to be exactly {@code data: {json}\n\n} frames ending in {@code data: [DONE]\n\n}. */
    static final class Sse {
        @SuppressWarnings("unchecked")
        static List<Map<String, Object>> parse(byte[] bytes) {
            String s = new String(bytes, StandardCharsets.UTF_8);
            assertTrue(s.endsWith("data: [DONE]\n\n"), "stream must end with data: [DONE]: " + tail(s));
            String[] frames = s.substring(0, s.length() - 2).split("\n\n", -1);
            List<Map<String, Object>> out = new ArrayList<>();
            for (int i = 0; i < frames.length; i++) {
                String f = frames[i];
                if (i == frames.length - 1) {
                    assertEquals("data: [DONE]", f);
                    continue;
                }
                assertTrue(f.startsWith("data: {") && f.endsWith("}") && !f.contains("\n"), "bad frame: " + f);
                try {
                    out.add(StrictJson.WRITER.readValue(f.substring(6), Map.class));
                } catch (java.io.IOException e) {
                    throw new AssertionError("frame is not JSON: " + f, e);
                }
            }
            assertFalse(out.isEmpty());
            return out;
        }

        private static String tail(String s) {
            return s.length() > 300 ? s.substring(s.length() - 300) : s;
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> choice(Map<String, Object> chunk) {
            List<Object> choices = (List<Object>) chunk.get("choices");
            return choices.isEmpty() ? Map.of() : (Map<String, Object>) choices.getFirst();
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> delta(Map<String, Object> chunk) {
            Object d = choice(chunk).get("delta");
            return d == null ? Map.of() : (Map<String, Object>) d;
        }
    }
}
