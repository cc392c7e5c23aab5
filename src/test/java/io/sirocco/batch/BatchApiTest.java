package io.sirocco.batch;

import com.fasterxml.jackson.databind.JsonNode;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.gateway.ModelRegistry;
import io.sirocco.gateway.TestKeys;
import io.sirocco.gateway.TestKeys.Key;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.sirocco.batch.BatchTesting.awaitMistral;
import static io.sirocco.batch.BatchTesting.get;
import static io.sirocco.batch.BatchTesting.lines;
import static io.sirocco.batch.BatchTesting.post;
import static io.sirocco.batch.BatchTesting.upload;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batch jobs end to end on the demo models, in both shapes: results, billing at batch prices, refusals, scoping. */
@QuarkusTest
@TestProfile(BatchProfile.class)
class BatchApiTest {
    @Inject
    TestKeys keys;
    @Inject
    ModelRegistry registry;
    @Inject
    AgroalDataSource db;

    @BeforeEach
    void modelsReady() {
        await().atMost(Duration.ofSeconds(120)).until(registry::ready);
    }

    @Test
    void mistralChatJobAnswersEveryLineOnceAtBatchPrices() throws Exception {
        Key key = keys.create(5, 1_000_000, List.of()); // 5 rpm: batch lines must not count against it
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            in.append("{\"custom_id\":\"q").append(i).append("\",\"body\":{\"max_tokens\":3,\"temperature\":0,")
                    .append("\"messages\":[{\"role\":\"user\",\"content\":\"Line ").append(i).append("\"}]}}\n");
        }
        String file = upload(key, in.toString());
        JsonNode job = BatchTesting.JSON.readTree(post(key, "/v1/batch/jobs", "{\"input_files\":[\"" + file
                + "\"],\"endpoint\":\"/v1/chat/completions\",\"model\":\"mistral-tiny\",\"metadata\":{\"team\":\"a\"}}")
                .then().statusCode(200).extract().asString());
        assertEquals(12, job.get("total_requests").asInt());
        assertEquals("a", job.get("metadata").get("team").asText());
        String id = job.get("id").asText();
        JsonNode done = awaitMistral(key, id, j -> j.get("status").asText().equals("SUCCESS"), Duration.ofMinutes(3));
        assertEquals(12, done.get("succeeded_requests").asInt());
        assertEquals(12, done.get("completed_requests").asInt());
        assertTrue(done.get("error_file").isNull());

        List<JsonNode> results = lines(key, done.get("output_file").asText());
        assertEquals(12, results.size());
        BigDecimal sum = assertAnsweredOnceAndBilledAtBatchPrices(key, results);
        assertEquals(0, sum.compareTo(new BigDecimal(done.get("cost_eur").asText())), "cost so far on the job");
    }

    @Test
    void fimJobAnswersEveryLineAtBatchPrices() throws Exception {
        Key key = keys.create();
        String file = upload(key, """
                {"custom_id":"f1","body":{"prompt":"def add(a, b):\\n    return","suffix":"\\nprint(add(1, 2))","max_tokens":5,"min_tokens":5,"temperature":0}}
                {"custom_id":"f2","body":{"prompt":"x = ","max_tokens":3,"temperature":0}}
                """);
        String id = post(key, "/v1/batch/jobs", "{\"input_files\":[\"" + file
                + "\"],\"endpoint\":\"/v1/fim/completions\",\"model\":\"mistral-tiny\"}")
                .then().statusCode(200).body("total_requests", equalTo(2)).extract().path("id");
        JsonNode done = awaitMistral(key, id, j -> j.get("status").asText().equals("SUCCESS"), Duration.ofMinutes(2));
        assertEquals(2, done.get("succeeded_requests").asInt());
        List<JsonNode> results = lines(key, done.get("output_file").asText());
        assertEquals(2, results.size());
        JsonNode f1 = results.stream().filter(r -> r.get("custom_id").asText().equals("f1")).findFirst().orElseThrow()
                .get("response").get("body");
        assertEquals("assistant", f1.get("choices").get(0).get("message").get("role").asText());
        assertEquals("length", f1.get("choices").get(0).get("finish_reason").asText());
        assertEquals(5, f1.get("usage").get("completion_tokens").asInt());
        BigDecimal sum = assertAnsweredOnceAndBilledAtBatchPrices(key, results);
        assertEquals(0, sum.compareTo(new BigDecimal(done.get("cost_eur").asText())), "cost so far on the job");
    }

    /**
     * Each result line a mistral-tiny completion with its own custom_id, and the organization's ledger one row per
     * line, marked batch, summing to the lines' usage at batch prices (half of 0.14 / 0.42 € per million tokens).
     * Returns that sum.
     */
    private BigDecimal assertAnsweredOnceAndBilledAtBatchPrices(Key key, List<JsonNode> results) throws Exception {
        Set<String> ids = new HashSet<>();
        BigDecimal sum = BigDecimal.ZERO;
        for (JsonNode r : results) {
            assertTrue(ids.add(r.get("custom_id").asText()), "each custom_id once");
            assertEquals(200, r.get("response").get("status_code").asInt());
            JsonNode body = r.get("response").get("body");
            assertEquals("chat.completion", body.get("object").asText());
            assertEquals("mistral-tiny", body.get("model").asText());
            int prompt = body.get("usage").get("prompt_tokens").asInt();
            int completion = body.get("usage").get("completion_tokens").asInt();
            sum = sum.add(new BigDecimal("0.07").multiply(BigDecimal.valueOf(prompt))
                    .add(new BigDecimal("0.21").multiply(BigDecimal.valueOf(completion))).movePointLeft(6));
            assertTrue(r.get("error").isNull());
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select count(*), sum(cost_eur), bool_and(batch), min(input_eur_per_mtok) from usage_ledger where org_id = ?")) {
            ps.setObject(1, key.orgId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(results.size(), rs.getInt(1), "one ledger row per line");
                assertEquals(0, sum.compareTo(rs.getBigDecimal(2)), "ledger = the sum at batch prices");
                assertTrue(rs.getBoolean(3), "rows marked batch");
                assertEquals(0, new BigDecimal("0.07").compareTo(rs.getBigDecimal(4)));
            }
        }
        return sum;
    }

    @Test
    void openaiEmbeddingsJob() throws Exception {
        Key key = keys.create();
        String file = upload(key, """
                {"custom_id":"e1","method":"POST","url":"/v1/embeddings","body":{"model":"mistral-embed","input":"wind"}}
                {"custom_id":"e2","method":"POST","url":"/v1/embeddings","body":{"model":"mistral-embed","input":["a","b"]}}
                """);
        String id = post(key, "/v1/batches", "{\"input_file_id\":\"" + file
                + "\",\"endpoint\":\"/v1/embeddings\",\"completion_window\":\"24h\"}")
                .then().statusCode(200).body("object", equalTo("batch")).body("status", equalTo("in_progress"))
                .body("request_counts.total", equalTo(2)).extract().path("id");
        await().atMost(Duration.ofMinutes(2)).until(() -> get(key, "/v1/batches/" + id).path("status")
                .equals("completed"));
        String out = get(key, "/v1/batches/" + id).then().body("request_counts.completed", equalTo(2))
                .extract().path("output_file_id");
        List<JsonNode> results = lines(key, out);
        assertEquals(2, results.size());
        assertEquals(2, results.get(1).get("response").get("body").get("data").size());
        get(key, "/v1/batches").then().statusCode(200).body("data.id", org.hamcrest.Matchers.hasItem(id));
    }

    @Test
    void badFilesAreRefusedNamingTheLines() {
        Key key = keys.create();
        String file = upload(key, """
                {"custom_id":"ok","body":{"messages":[{"role":"user","content":"hi"}],"max_tokens":2}}
                {"custom_id":"broken", "body": {
                {"body":{"messages":[{"role":"user","content":"hi"}]}}
                {"custom_id":"ok","body":{"messages":[{"role":"user","content":"hi"}]}}
                {"custom_id":"hot","body":{"messages":[{"role":"user","content":"hi"}],"temperature":9}}

                {"custom_id":"nomodel","body":{"messages":[{"role":"user","content":"hi"}],"model":"mistral-small"}}
                """);
        post(key, "/v1/batch/jobs", "{\"input_files\":[\"" + file
                + "\"],\"endpoint\":\"/v1/chat/completions\",\"model\":\"mistral-tiny\"}")
                .then().statusCode(422).body("error.param", equalTo("input_files"))
                .body("error.message", allOf(containsString("5 invalid lines"),
                        containsString("line 2: not valid JSON"), containsString("line 3: custom_id is missing"),
                        containsString("line 4: custom_id ok repeats line 1"),
                        containsString("line 5: "), containsString("temperature"),
                        containsString("line 7: body.model differs"), not(containsString("line 1:"))));
        String openai = upload(key, """
                {"custom_id":"x","method":"POST","url":"/v1/chat/completions","body":{"model":"nope","messages":[]}}
                """);
        post(key, "/v1/batches", "{\"input_file_id\":\"" + openai
                + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}")
                .then().statusCode(422).body("error.message", containsString("line 1: "));
        post(key, "/v1/batches", "{\"input_file_id\":\"" + openai
                + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"48h\"}")
                .then().statusCode(422).body("error.param", equalTo("completion_window"));
        post(key, "/v1/batch/jobs", "{\"input_files\":[\"" + openai + "\"],\"endpoint\":\"/v1/moderations\"}")
                .then().statusCode(422).body("error.param", equalTo("endpoint"));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 1201; i++) {
            many.append("{\"custom_id\":\"").append(i).append("\",\"body\":{\"input\":\"x\"}}\n");
        }
        post(key, "/v1/batch/jobs", "{\"input_files\":[\"" + upload(key, many.toString())
                + "\"],\"endpoint\":\"/v1/embeddings\",\"model\":\"mistral-embed\"}")
                .then().statusCode(422).body("error.message", containsString("line 1201: the input files hold more than 1200"));
        assertTrue(keys.ledger(key.orgId()).isEmpty(), "no token spent on refused files");
    }

    @Test
    void anotherOrganizationsJobsAndFilesAreNotFound() throws Exception {
        Key key = keys.create();
        Key other = keys.create();
        String file = upload(key, "{\"custom_id\":\"a\",\"body\":{\"input\":\"x\"}}\n");
        post(other, "/v1/batch/jobs", "{\"input_files\":[\"" + file
                + "\"],\"endpoint\":\"/v1/embeddings\",\"model\":\"mistral-embed\"}").then().statusCode(404);
        String id = post(key, "/v1/batch/jobs", "{\"input_files\":[\"" + file
                + "\"],\"endpoint\":\"/v1/embeddings\",\"model\":\"mistral-embed\"}").then().statusCode(200)
                .extract().path("id");
        get(other, "/v1/batch/jobs/" + id).then().statusCode(404);
        get(other, "/v1/batches/" + id).then().statusCode(404);
        post(other, "/v1/batch/jobs/" + id + "/cancel", "").then().statusCode(404);
        post(other, "/v1/batches/" + id + "/cancel", "").then().statusCode(404);
        JsonNode done = awaitMistral(key, id, j -> j.get("status").asText().equals("SUCCESS"), Duration.ofMinutes(2));
        get(other, "/v1/files/" + done.get("output_file").asText() + "/content").then().statusCode(404);
        get(other, "/v1/batch/jobs").then().statusCode(200).body("data.id", not(org.hamcrest.Matchers.hasItem(id)));
    }

    @Test
    void cancelledJobListsTheLinesThatNeverRan() throws Exception {
        Key key = keys.create();
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            in.append("{\"custom_id\":\"c").append(i).append("\",\"body\":{\"max_tokens\":64,")
                    .append("\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}}\n");
        }
        String file = upload(key, in.toString());
        String id = post(key, "/v1/batch/jobs", "{\"input_files\":[\"" + file
                + "\"],\"endpoint\":\"/v1/chat/completions\",\"model\":\"mistral-tiny\"}").then().statusCode(200)
                .extract().path("id");
        post(key, "/v1/batch/jobs/" + id + "/cancel", "").then().statusCode(200)
                .body("status", equalTo("CANCELLATION_REQUESTED"));
        JsonNode done = awaitMistral(key, id, j -> j.get("status").asText().equals("CANCELLED"), Duration.ofMinutes(3));
        int answered = done.get("completed_requests").asInt();
        assertTrue(answered < 60, "cancelled before every line ran: " + answered);
        List<JsonNode> errors = lines(key, done.get("error_file").asText());
        assertEquals(60 - answered, errors.size());
        assertEquals("batch_cancelled", errors.getFirst().get("error").get("code").asText());
        assertNull(errors.getFirst().get("response").isNull() ? null : errors.getFirst().get("response"));
        assertEquals(answered, keys.ledger(key.orgId()).size(), "only the lines that ran are billed");
        post(key, "/v1/batch/jobs/" + id + "/cancel", "").then().statusCode(200).body("status", equalTo("CANCELLED"));
    }
}
