package io.sirocco.console;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.accounts.AccountsTestBase;
import io.sirocco.accounts.Fixtures;
import io.sirocco.accounts.WebSession;
import io.sirocco.batch.BatchJobs;
import io.sirocco.batch.Files;
import io.sirocco.batch.StoredFile;
import io.sirocco.gateway.ModelRegistry;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console's batch form takes a file above Quarkus' 10 MB form limit, up to {@code sirocco.batch.file-max-bytes}
 * (12 MB in this profile), into the same file store as {@code POST /v1/files}; a larger one gets the page with the
 * reason and is kept nowhere; the other forms keep the 10 MB limit.
 */
@QuarkusTest
@TestProfile(BatchUploadLimitTest.Limit.class)
class BatchUploadLimitTest extends AccountsTestBase {
    private static final int MB = 1024 * 1024;
    private static final Pattern CREATED = Pattern.compile("Job (batch_[0-9a-f]+) created: (\\d+) requests queued");

    public static class Limit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Uploads get minutes at this rate, not the other tests' 3 s body clock: on a busy shared machine an
            // 11 MB upload took 17 s even through /v1/files (load average 24).
            return Map.of("sirocco.batch.file-max-bytes", "12M", "sirocco.batch.max-lines", "100000",
                    "sirocco.batch.upload-min-rate", "64K");
        }
    }

    @Inject
    ModelRegistry registry;
    @Inject
    BatchJobs jobs;
    @Inject
    Files files;

    @BeforeEach
    void modelsReady() {
        await().atMost(Duration.ofSeconds(120)).until(registry::ready);
    }

    /** A JSONL file of chat lines, at least {@code bytes} long. */
    static byte[] jsonl(int bytes) {
        StringBuilder b = new StringBuilder(bytes + 1024);
        String words = "word ".repeat(100);
        for (int i = 0; b.length() < bytes; i++) {
            b.append("{\"custom_id\":\"c").append(i).append("\",\"body\":{\"max_tokens\":2,\"messages\":[")
                    .append("{\"role\":\"user\",\"content\":\"").append(words).append("\"}]}}\n");
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private Optional<StoredFile> stored(Fixtures.Customer c, String name) {
        return files.list(c.orgId()).stream().filter(f -> f.filename().equals(name)).findFirst();
    }

    @Test
    void aFileAboveTheFormLimitIsTakenUpToTheBatchFileLimit() throws Exception {
        Fixtures.Customer c = customer("bigupload");
        WebSession s = signIn(c, "/console/batch");
        WebSession.Page page = s.get("/console/batch");
        assertTrue(page.body().contains("JSONL file (up to 12 MB and 100000 lines)"), page.body());
        String csrf = page.hidden("csrf");
        Map<String, String> fields = Map.of("csrf", csrf, "endpoint", "/v1/chat/completions", "model", "mistral-tiny");

        byte[] eleven = jsonl(11 * MB);
        jobs.pauseAll(true); // the job waits, so the test runs none of its lines
        try {
            WebSession.Page made = s.postMultipart("/console/batch", fields, "file", "eleven.jsonl", eleven);
            assertEquals(201, made.status(), made.body());
            Matcher m = CREATED.matcher(made.body());
            assertTrue(m.find(), made.body());
            assertEquals(eleven.length, stored(c, "eleven.jsonl").orElseThrow().bytes(), "the whole file is stored");
            jobs.cancel(c.orgId(), m.group(1));
        } finally {
            jobs.pauseAll(false);
        }

        WebSession.Page refused = s.postMultipart("/console/batch", fields, "file", "thirteen.jsonl", jsonl(13 * MB));
        assertEquals(413, refused.status());
        assertTrue(refused.body().contains("The file is larger than 12582912 bytes (12 MB), the most a batch input file"
                + " may be. Nothing was uploaded."), refused.body());
        assertTrue(refused.body().contains("id=\"create-batch\""), "the page, with its form");
        assertTrue(stored(c, "thirteen.jsonl").isEmpty(), "nothing kept");

        assertEquals(403, s.postMultipart("/console/batch", Map.of("csrf", "x".repeat(43), "endpoint",
                "/v1/chat/completions"), "file", "token.jsonl", jsonl(1000)).status(), "a wrong form token");
        assertTrue(stored(c, "token.jsonl").isEmpty());

        // Other forms keep Quarkus' 10 MB body limit (asked with Expect: 100-continue, so the refusal comes before
        // the body, and the connection is not closed under a client still sending it).
        HttpRequest big = HttpRequest.newBuilder(base.resolve("/console/keys")).expectContinue(true)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("csrf=" + csrf + "&name=" + "k".repeat(11 * MB))).build();
        assertEquals(413, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(big, HttpResponse.BodyHandlers.discarding()).statusCode());
    }
}
