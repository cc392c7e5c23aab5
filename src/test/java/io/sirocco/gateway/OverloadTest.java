package io.sirocco.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.gateway.TestKeys.Key;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Overload on the tiny demo model: 200 concurrent streams, 2,000 more requests queued behind them, and a burst far
 * above one key's rate limit, all at once. Every request must end in a response, a clean 429/503 with Retry-After, or
 * a stream that ends with {@code [DONE]} or a well-formed error chunk: no other 5xx, no hang. Prints throughput, time
 * to first token and the process' RSS (docs/benchmarks.md). Heavy, so opt-in: {@code -Dsirocco.overload=true}.
 */
@QuarkusTest
@TestProfile(OverloadTest.Profile.class)
@EnabledIfSystemProperty(named = "sirocco.overload", matches = "true")
class OverloadTest extends ApiTestBase {
    static final int STREAMS = Integer.getInteger("sirocco.overload.streams", 200);
    static final int QUEUED = Integer.getInteger("sirocco.overload.queued", 2000);
    static final int BURST = Integer.getInteger("sirocco.overload.burst", 600);
    static final int BURST_RPM = 60;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A queue with room for everything, 64 sequences at once on mistral-tiny, a two-minute queue timeout. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sirocco.models.queue-capacity", "4096",
                    "sirocco.models.mistral-tiny.max-sequences", "64",
                    "sirocco.gateway.queue.timeout", "120s");
        }
    }

    /** How one request ended: its kind, the HTTP status, and a failure description when it was not clean. */
    record Outcome(String kind, int status, String problem, long firstTokenNanos, int chunks, String code,
                   long answerNanos) {
        Outcome(String kind, int status, String problem, long firstTokenNanos, int chunks) {
            this(kind, status, problem, firstTokenNanos, chunks, null, 0);
        }
    }

    @Test
    void everyRequestEndsCleanly() throws Exception {
        Key key = keys.create();
        Key limited = keys.create(BURST_RPM, 10_000_000, List.of());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        AtomicLong peakRss = new AtomicLong();
        long startRss = rss();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> peakRss.accumulateAndGet(rss(), Math::max), 0, 200, TimeUnit.MILLISECONDS);
        long t0 = System.nanoTime();
        List<CompletableFuture<Outcome>> all = new ArrayList<>();
        try {
            for (int i = 0; i < STREAMS; i++) {
                all.add(send(http, key, "stream", true, 64, i));
            }
            for (int i = 0; i < QUEUED; i++) {
                all.add(send(http, key, "queued", i % 4 == 0, 16, STREAMS + i));
            }
            for (int i = 0; i < BURST; i++) {
                all.add(send(http, limited, "burst", i % 2 == 0, 8, i));
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (CompletableFuture<Outcome> f : all) {
                outcomes.add(f.get(10, TimeUnit.MINUTES)); // a hang fails here
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            sampler.shutdownNow();
            report(outcomes, seconds, startRss, peakRss.get());
            List<Outcome> bad = outcomes.stream().filter(o -> o.problem() != null).toList();
            assertTrue(bad.isEmpty(), bad.size() + " requests did not end cleanly, e.g. "
                    + bad.subList(0, Math.min(5, bad.size())));
            assertEquals(STREAMS + QUEUED + BURST, outcomes.size());
            assertTrue(outcomes.stream().anyMatch(o -> o.kind().equals("burst") && o.status() == 429),
                    "the burst above the key's rate limit met 429s");
        } finally {
            sampler.shutdownNow();
        }
    }

    private CompletableFuture<Outcome> send(HttpClient http, Key key, String kind, boolean stream, int maxTokens,
                                            int seed) {
        String body = "{\"model\":\"mistral-tiny\",\"stream\":" + stream + ",\"max_tokens\":" + maxTokens
                + ",\"random_seed\":" + seed + ",\"messages\":[{\"role\":\"user\",\"content\":\"Request " + seed + "\"}]}";
        long start = System.nanoTime();
        return http.sendAsync(jsonPost(key, "v1/chat/completions", body, Duration.ofMinutes(10)),
                        HttpResponse.BodyHandlers.ofLines())
                .thenApply(r -> judge(kind, stream, r, start))
                .exceptionally(e -> new Outcome(kind, -1, "no answer: " + e, 0, 0));
    }

    /** Whether the answer is one of the clean endings. */
    private static Outcome judge(String kind, boolean stream, HttpResponse<java.util.stream.Stream<String>> r,
                                 long start) {
        int status = r.statusCode();
        List<String> lines = new ArrayList<>();
        long[] first = {0};
        r.body().forEach(l -> {
            if (first[0] == 0 && l.startsWith("data: {") && l.contains("\"content\":\"")
                    && !l.contains("\"content\":\"\"")) {
                first[0] = System.nanoTime() - start;
            }
            lines.add(l);
        });
        String text = String.join("\n", lines);
        if (status == 429 || status == 503) {
            if (r.headers().firstValue("retry-after").isEmpty()) {
                return new Outcome(kind, status, status + " without Retry-After: " + text, 0, 0);
            }
            return errorBody(text) ? new Outcome(kind, status, null, 0, 0, errorCode(text), System.nanoTime() - start)
                    : new Outcome(kind, status, status + " without an error body: " + text, 0, 0);
        }
        if (status != 200) {
            return new Outcome(kind, status, "status " + status + ": " + text, 0, 0);
        }
        if (!stream) {
            try {
                JsonNode n = JSON.readTree(text);
                return n.path("choices").isArray() && n.path("usage").has("completion_tokens")
                        ? new Outcome(kind, status, null, 0, 0)
                        : new Outcome(kind, status, "a 200 without choices: " + text, 0, 0);
            } catch (Exception e) {
                return new Outcome(kind, status, "a 200 that is not JSON: " + text, 0, 0);
            }
        }
        List<String> data = lines.stream().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        int chunks = (int) data.stream().filter(d -> d.contains("\"content\":\"") && !d.contains("\"content\":\"\"")).count();
        if (!data.isEmpty() && data.getLast().equals("[DONE]")) {
            return new Outcome(kind, status, null, first[0], chunks);
        }
        boolean errorChunk = data.stream().anyMatch(d -> d.contains("\"finish_reason\":\"error\""));
        if (errorChunk && !data.isEmpty() && errorBody(data.getLast())) {
            return new Outcome(kind, status, null, first[0], chunks);
        }
        return new Outcome(kind, status, "a stream that neither ended with [DONE] nor an error chunk: "
                + (data.isEmpty() ? "" : data.getLast()), first[0], chunks);
    }

    private static String errorCode(String text) {
        try {
            return JSON.readTree(text).path("error").path("code").asText(null);
        } catch (Exception ex) {
            return null;
        }
    }

    private static boolean errorBody(String text) {
        try {
            JsonNode e = JSON.readTree(text).path("error");
            return e.hasNonNull("message") && e.hasNonNull("type");
        } catch (Exception ex) {
            return false;
        }
    }

    private static void report(List<Outcome> outcomes, double seconds, long startRss, long peakRss) {
        Map<String, Map<Integer, Long>> byKind = outcomes.stream().collect(Collectors.groupingBy(Outcome::kind,
                ConcurrentHashMap::new, Collectors.groupingBy(Outcome::status, Collectors.counting())));
        List<Long> ttft = new ArrayList<>(outcomes.stream().filter(o -> o.firstTokenNanos() > 0)
                .map(Outcome::firstTokenNanos).toList());
        Collections.sort(ttft);
        long answered = outcomes.stream().filter(o -> o.status() == 200).count();
        long chunks = outcomes.stream().mapToLong(Outcome::chunks).sum();
        System.out.printf("overload: %d requests in %.1f s; outcomes by kind and status %s; %.1f answered requests/s; "
                        + "%.0f streamed tokens/s; time to first token p50 %.0f ms, p99 %.0f ms (%d streams); "
                        + "RSS %d MiB at start, %d MiB at peak%n",
                outcomes.size(), seconds, byKind, answered / seconds, chunks / seconds,
                percentile(ttft, 0.50) / 1e6, percentile(ttft, 0.99) / 1e6, ttft.size(), startRss >> 20, peakRss >> 20);
        Map<String, List<Long>> refusals = outcomes.stream().filter(o -> o.code() != null).collect(Collectors.groupingBy(
                o -> o.status() + " " + o.code(), java.util.TreeMap::new,
                Collectors.mapping(Outcome::answerNanos, Collectors.toList())));
        refusals.forEach((code, times) -> {
            List<Long> sorted = new ArrayList<>(times);
            Collections.sort(sorted);
            System.out.printf("overload: %d × %s, answered after p50 %.0f ms, p99 %.0f ms%n", sorted.size(), code,
                    percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6);
        });
    }

    private static double percentile(List<Long> sorted, double p) {
        return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(p * sorted.size())));
    }

    /** This process' resident set, in bytes (the server runs in the test's JVM). */
    private static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (Exception e) {
            // not Linux: no figure
        }
        return 0;
    }
}
