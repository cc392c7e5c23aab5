package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.gateway.TestKeys.Key;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile and broken bodies: each gets a 4xx JSON error, and the service keeps answering. */
@QuarkusTest
@TestProfile(ApiProfile.class)
class BadInputTest extends ApiTestBase {

    @Test
    void everyBadBodyGetsA4xxJsonError() throws Exception {
        Key key = keys.create();
        String ok = "{\"model\":\"mistral-tiny\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        Map<String, byte[]> chat = new LinkedHashMap<>();
        chat.put("truncated", ok.substring(0, ok.length() - 5).getBytes(StandardCharsets.UTF_8));
        chat.put("empty body", new byte[0]);
        chat.put("not an object", "[1,2,3]".getBytes(StandardCharsets.UTF_8));
        chat.put("a string", "\"hello\"".getBytes(StandardCharsets.UTF_8));
        chat.put("null", "null".getBytes(StandardCharsets.UTF_8));
        chat.put("trailing garbage", (ok + "}").getBytes(StandardCharsets.UTF_8));
        chat.put("two objects", (ok + ok).getBytes(StandardCharsets.UTF_8));
        chat.put("duplicate key", ok.replace("{\"model\"", "{\"model\":\"x\",\"model\"").getBytes(StandardCharsets.UTF_8));
        chat.put("model a number", ok.replace("\"mistral-tiny\"", "7").getBytes(StandardCharsets.UTF_8));
        chat.put("messages an object", ok.replace("[{\"role\":\"user\",\"content\":\"hi\"}]", "{}").getBytes(StandardCharsets.UTF_8));
        chat.put("content a number", ok.replace("\"hi\"", "42").getBytes(StandardCharsets.UTF_8));
        chat.put("stream a string", ok.replace("\"max_tokens\":2", "\"stream\":\"yes\"").getBytes(StandardCharsets.UTF_8));
        chat.put("max_tokens float", ok.replace("\"max_tokens\":2", "\"max_tokens\":2.5").getBytes(StandardCharsets.UTF_8));
        chat.put("max_tokens huge", ok.replace("\"max_tokens\":2", "\"max_tokens\":99999999999999999999999").getBytes(StandardCharsets.UTF_8));
        chat.put("temperature huge", ok.replace("\"max_tokens\":2", "\"temperature\":1e400").getBytes(StandardCharsets.UTF_8));
        chat.put("temperature NaN", ok.replace("\"max_tokens\":2", "\"temperature\":NaN").getBytes(StandardCharsets.UTF_8));
        chat.put("random_seed negative", ok.replace("\"max_tokens\":2", "\"random_seed\":-1").getBytes(StandardCharsets.UTF_8));
        chat.put("long number", ok.replace("\"max_tokens\":2", "\"max_tokens\":" + "9".repeat(5000)).getBytes(StandardCharsets.UTF_8));
        chat.put("deep nesting", ("{\"model\":\"mistral-tiny\",\"messages\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}")
                .getBytes(StandardCharsets.UTF_8));
        chat.put("deep objects", ("{\"stop\":" + "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000) + "}")
                .getBytes(StandardCharsets.UTF_8));
        chat.put("empty messages", "{\"model\":\"mistral-tiny\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8));
        chat.put("empty content", ok.replace("\"hi\"", "\"\"").getBytes(StandardCharsets.UTF_8));
        chat.put("null message", ok.replace("[{\"role\":\"user\",\"content\":\"hi\"}]", "[null]").getBytes(StandardCharsets.UTF_8));
        chat.put("missing model", ok.replace("\"model\":\"mistral-tiny\",", "").getBytes(StandardCharsets.UTF_8));
        chat.put("stop list too long", ok.replace("\"max_tokens\":2", "\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]").getBytes(StandardCharsets.UTF_8));
        chat.put("stop not strings", ok.replace("\"max_tokens\":2", "\"stop\":[1]").getBytes(StandardCharsets.UTF_8));
        chat.put("last message from assistant", ok.replace("\"role\":\"user\"", "\"role\":\"assistant\"").getBytes(StandardCharsets.UTF_8));
        byte[] invalidUtf8 = ok.replace("hi", "h\u0000i").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < invalidUtf8.length; i++) {
            if (invalidUtf8[i] == 0) {
                invalidUtf8[i] = (byte) 0xC3; // a lead byte followed by ASCII: not UTF-8
            }
        }
        chat.put("invalid UTF-8", invalidUtf8);
        chat.put("latin-1 bytes", new byte[]{'{', '"', (byte) 0xE9, '"', ':', '1', '}'});
        byte[] tenMb = new byte[10 * 1024 * 1024];
        java.util.Arrays.fill(tenMb, (byte) 'a');
        chat.put("10 MB body", tenMb);

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (var e : chat.entrySet()) {
            check(http, key, "v1/chat/completions", e.getKey(), e.getValue());
        }
        Map<String, String> embeddings = new LinkedHashMap<>();
        embeddings.put("input a number", "{\"model\":\"mistral-embed\",\"input\":5}");
        embeddings.put("input empty list", "{\"model\":\"mistral-embed\",\"input\":[]}");
        embeddings.put("input empty string", "{\"model\":\"mistral-embed\",\"input\":\"\"}");
        embeddings.put("input list of numbers", "{\"model\":\"mistral-embed\",\"input\":[[1,2]]}");
        embeddings.put("bad encoding", "{\"model\":\"mistral-embed\",\"input\":\"a\",\"encoding_format\":\"hex\"}");
        embeddings.put("unknown field", "{\"model\":\"mistral-embed\",\"input\":\"a\",\"dims\":8}");
        embeddings.put("dimensions too large", "{\"model\":\"mistral-embed\",\"input\":\"a\",\"dimensions\":4096}");
        embeddings.put("bad dtype", "{\"model\":\"mistral-embed\",\"input\":\"a\",\"output_dtype\":\"int4\"}");
        embeddings.put("chat model", "{\"model\":\"mistral-tiny\",\"input\":\"a\"}");
        for (var e : embeddings.entrySet()) {
            check(http, key, "v1/embeddings", e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8));
        }
        // still up and serving
        given().header("Authorization", key.bearer()).contentType("application/json").body(ok)
                .post("/v1/chat/completions").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
    }

    private void check(HttpClient http, Key key, String path, String name, byte[] body) throws Exception {
        HttpResponse<String> r = http.send(jsonPost(key, path, body, Duration.ofSeconds(60)),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() >= 400 && r.statusCode() < 500, name + ": status " + r.statusCode() + " " + r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), name);
        assertTrue(r.headers().firstValue("x-request-id").isPresent(), name);
        assertTrue(r.body().startsWith("{\"object\":\"error\",\"error\":{\"message\":"), name + ": " + r.body());
        assertTrue(!r.body().contains("Exception") && !r.body().contains("\tat "), name + ": " + r.body());
        if (name.equals("10 MB body")) {
            assertEquals(413, r.statusCode());
        }
    }
}
