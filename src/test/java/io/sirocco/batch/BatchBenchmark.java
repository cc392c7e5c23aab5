package io.sirocco.batch;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.gateway.ModelRegistry;
import io.sirocco.gateway.TestKeys;
import io.sirocco.gateway.TestKeys.Key;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;

import static io.sirocco.batch.BatchTesting.get;
import static io.sirocco.batch.BatchTesting.post;
import static io.sirocco.batch.BatchTesting.upload;
import static org.awaitility.Awaitility.await;

/**
 * Benchmark, not part of the normal suite: {@code /work/cache/qt -Dtest=BatchBenchmark -Dsirocco.bench=true}.
 * Live time to first token (streamed chat on mistral-tiny) on an idle engine and while a batch job fills it, then
 * batch lines per second on an idle node. Prints the figures docs/benchmarks.md quotes.
 */
@QuarkusTest
@TestProfile(BatchProfile.class)
@EnabledIfSystemProperty(named = "sirocco.bench", matches = "true")
class BatchBenchmark {
    static final int LIVE = 12;
    @Inject
    TestKeys keys;
    @Inject
    ModelRegistry registry;
    @TestHTTPResource("/")
    URL base;

    @Test
    void liveTtftWithAndWithoutBatchAndIdleBatchThroughput() throws Exception {
        await().atMost(Duration.ofSeconds(120)).until(registry::ready);
        Key key = keys.create();
        ttft(key); // warm up
        double[] idle = ttft(key);

        String file = upload(key, lines(400, 48));
        String job = post(key, "/v1/batch/jobs", "{\"input_files\":[\"" + file
                + "\"],\"endpoint\":\"/v1/chat/completions\",\"model\":\"mistral-tiny\"}").then().statusCode(200)
                .extract().path("id");
        await().atMost(Duration.ofMinutes(2)).until(() -> get(key, "/v1/batch/jobs/" + job)
                .<Integer>path("completed_requests") > 10);
        double[] busy = ttft(key);
        int answeredDuring = get(key, "/v1/batch/jobs/" + job).path("completed_requests");
        post(key, "/v1/batch/jobs/" + job + "/cancel", "").then().statusCode(200);
        await().atMost(Duration.ofMinutes(5)).until(() -> get(key, "/v1/batch/jobs/" + job).path("status")
                .equals("CANCELLED"));

        String idleFile = upload(key, lines(300, 16));
        long t0 = System.nanoTime();
        String idleJob = post(key, "/v1/batch/jobs", "{\"input_files\":[\"" + idleFile
                + "\"],\"endpoint\":\"/v1/chat/completions\",\"model\":\"mistral-tiny\"}").then().statusCode(200)
                .extract().path("id");
        long created = System.nanoTime();
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> get(key, "/v1/batch/jobs/" + idleJob).path("status").equals("SUCCESS"));
        double seconds = (System.nanoTime() - created) / 1e9;
        System.out.printf("BENCH live TTFT idle: median %.1f ms p90 %.1f ms (n=%d)%n", pct(idle, 50), pct(idle, 90), LIVE);
        System.out.printf("BENCH live TTFT with a batch job running: median %.1f ms p90 %.1f ms (n=%d, %d lines "
                + "answered meanwhile)%n", pct(busy, 50), pct(busy, 90), LIVE, answeredDuring);
        System.out.printf("BENCH idle batch: 300 lines x 16 tokens in %.1f s = %.1f lines/s (validation %.1f s)%n",
                seconds, 300 / seconds, (created - t0) / 1e9);
    }

    private static String lines(int n, int maxTokens) {
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < n; i++) {
            in.append("{\"custom_id\":\"b").append(i).append("\",\"body\":{\"max_tokens\":").append(maxTokens)
                    .append(",\"messages\":[{\"role\":\"user\",\"content\":\"Batch line ").append(i)
                    .append("\"}]}}\n");
        }
        return in.toString();
    }

    /** Time to the first content chunk of a streamed chat, one request after another. */
    private double[] ttft(Key key) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        double[] out = new double[LIVE];
        for (int i = 0; i < LIVE; i++) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "v1/chat/completions"))
                    .header("Authorization", key.bearer()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"mistral-tiny\",\"stream\":true,"
                            + "\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Live " + i + "\"}]}"))
                    .build();
            long start = System.nanoTime();
            HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = resp.body();
                 java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(in))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("data: ") && CONTENT.matcher(line).find()) {
                        break;
                    }
                }
                out[i] = (System.nanoTime() - start) / 1e6;
                while (r.readLine() != null) {
                    // drain the rest of the stream
                }
            }
        }
        return out;
    }

    private static double pct(double[] v, int p) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
    }

    private static final java.util.regex.Pattern CONTENT = java.util.regex.Pattern.compile("\"content\":\"[^\"]");
}
