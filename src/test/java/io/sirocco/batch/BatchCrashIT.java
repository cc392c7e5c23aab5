package io.sirocco.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.launch.PackagedApp;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A batch job survives a kill -9 of its node: the packaged app runs a job of {@link #LINES} chat lines, is killed
 * with SIGKILL once some lines are answered and before all are, and is started again. The job must then resume and
 * succeed with every custom_id in the output file exactly once, no error file, and exactly one ledger row per line
 * (marked batch): nothing lost, nothing answered or billed twice. Lines the dead node held come back when their
 * lease lapses (30 s).
 */
class BatchCrashIT {
    private static final int LINES = 120;
    private static final String NODE = "batch-crash-it-" + UUID.randomUUID().toString().substring(0, 8);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aJobKilledMidwayResumesAndAnswersAndBillsEveryLineOnce() throws Exception {
        try (PackagedApp app = new PackagedApp("batch-crash-it", NODE)) {
            app.start();
            killAndResume(app);
        }
    }

    private void killAndResume(PackagedApp app) throws Exception {
        String key = PackagedApp.newKey("batch crash test " + NODE);
        StringBuilder in = new StringBuilder();
        for (int i = 1; i <= LINES; i++) {
            in.append("{\"custom_id\":\"line-").append(i).append("\",\"body\":{\"max_tokens\":6,\"messages\":[")
                    .append("{\"role\":\"user\",\"content\":\"Tell me about gust number ").append(i).append("\"}]}}\n");
        }
        String file = upload(app, key, in.toString()).path("id").asText();
        JsonNode job = send(app, key, "POST", "/v1/batch/jobs", "{\"input_files\":[\"" + file
                + "\"],\"endpoint\":\"/v1/chat/completions\",\"model\":\"mistral-tiny\"}");
        String jobId = job.path("id").asText();
        assertTrue(jobId.startsWith("batch_"), job.toString());

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        int answered = 0;
        while (answered < 10 && System.nanoTime() < deadline) {
            Thread.sleep(50);
            answered = send(app, key, "GET", "/v1/batch/jobs/" + jobId, null).path("completed_requests").asInt();
        }
        app.kill9();
        assertTrue(answered >= 10, "only " + answered + " lines were answered before the kill");
        int answeredAtKill = count("select count(*) from batch_lines where job_id = ? and status_code is not null",
                jobId);
        int billedAtKill = count("select count(*) from usage_ledger where request_id like ?", jobId + "\\_%");
        assertTrue(answeredAtKill < LINES, "the job finished before the kill: nothing was left to resume");
        System.out.printf("BatchCrashIT: killed with %d of %d lines answered and %d billed%n", answeredAtKill, LINES,
                billedAtKill);

        app.start();
        JsonNode done = null;
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (System.nanoTime() < deadline) {
            done = send(app, key, "GET", "/v1/batch/jobs/" + jobId, null);
            if (!done.path("status").asText().matches("QUEUED|RUNNING")) {
                break;
            }
            Thread.sleep(500);
        }
        assertNotNull(done);
        assertEquals("SUCCESS", done.path("status").asText(), done.toString());
        assertEquals(LINES, done.path("succeeded_requests").asInt(), done.toString());
        assertTrue(done.path("error_file").isNull(), "no line failed: " + done);

        String output = text(app, key, "/v1/files/" + done.path("output_file").asText() + "/content");
        Map<String, String> requestIds = new HashMap<>(); // custom_id -> request id
        for (String line : output.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode l = JSON.readTree(line);
            assertEquals(200, l.path("response").path("status_code").asInt(), line);
            String previous = requestIds.put(l.path("custom_id").asText(),
                    l.path("response").path("request_id").asText());
            assertEquals(null, previous, "custom_id answered twice: " + l.path("custom_id").asText());
        }
        assertEquals(LINES, requestIds.size(), "every line once in the output file");

        try (Connection c = DriverManager.getConnection(PackagedApp.DB_URL, "postgres", "");
             PreparedStatement ps = c.prepareStatement(
                     "select request_id, count(*) over (partition by request_id), batch from usage_ledger "
                             + "where request_id like ? order by request_id")) {
            ps.setString(1, jobId + "\\_%");
            Set<String> billed = new HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    assertEquals(1, rs.getInt(2), "ledger rows of " + rs.getString(1));
                    assertTrue(rs.getBoolean(3), "a batch line's row is marked batch: " + rs.getString(1));
                    billed.add(rs.getString(1));
                }
            }
            assertEquals(new HashSet<>(requestIds.values()), billed, "one ledger row per line, no other");
        }
    }

    private static int count(String sql, String param) throws Exception {
        try (Connection c = DriverManager.getConnection(PackagedApp.DB_URL, "postgres", "");
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private JsonNode upload(PackagedApp app, String key, String jsonl) throws Exception {
        String boundary = "sirocco-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(jsonl.getBytes(StandardCharsets.UTF_8));
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(app.uri("/v1/files"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private JsonNode send(PackagedApp app, String key, String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(app.uri(path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key);
        b = json == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), method + " " + path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private String text(PackagedApp app, String key, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(app.uri(path))
                .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }
}
