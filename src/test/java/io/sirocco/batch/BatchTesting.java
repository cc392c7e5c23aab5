package io.sirocco.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.response.Response;
import io.sirocco.gateway.TestKeys.Key;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

/** What the batch tests share: uploading JSONL, creating jobs, waiting for them, reading result files. */
final class BatchTesting {
    static final ObjectMapper JSON = new ObjectMapper();

    private BatchTesting() {
    }

    static String upload(Key key, String jsonl) {
        return FilesApiTest.upload(key, "in.jsonl", jsonl.getBytes(StandardCharsets.UTF_8), "batch")
                .then().statusCode(200).extract().path("id");
    }

    static Response post(Key key, String path, String body) {
        return given().header("Authorization", key.bearer()).contentType("application/json").body(body).post(path);
    }

    static Response get(Key key, String path) {
        return given().header("Authorization", key.bearer()).get(path);
    }

    /** Waits until the job (Mistral shape) matches, and returns it. */
    static JsonNode awaitMistral(Key key, String jobId, Predicate<JsonNode> done, Duration atMost) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(atMost).pollInterval(Duration.ofMillis(300)).until(() -> {
            last[0] = JSON.readTree(get(key, "/v1/batch/jobs/" + jobId).then().statusCode(200).extract().asString());
            return done.test(last[0]);
        });
        return last[0];
    }

    static List<JsonNode> lines(Key key, String fileId) throws Exception {
        String content = get(key, "/v1/files/" + fileId + "/content").then().statusCode(200).extract().asString();
        List<JsonNode> out = new ArrayList<>();
        for (String l : content.split("\n")) {
            if (!l.isBlank()) {
                out.add(JSON.readTree(l));
            }
        }
        return out;
    }
}
