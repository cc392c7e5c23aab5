package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tier queue on a deterministic engine (2 running, 2 waiting, 2 s timeout): overflow and timeout answer 429
 * with Retry-After, and a client that disconnects mid-stream has its sequence cancelled and its KV freed.
 * Embeddings take the queue one input at a time: another organization's short request is not held up behind a long
 * one, and a client that leaves has its pending inputs cancelled and pays only for those computed.
 */
@QuarkusTest
@TestProfile(FakeEngineProfile.class)
class QueueingTest extends ApiTestBase {
    static final String BODY = "{\"model\":\"mistral-tiny\",\"stream\":true,\"max_tokens\":5000,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    /** Replaces the base's wait: the first test checks readiness while the fake models are held loading. */
    @Override
    @BeforeEach
    void modelsReady() {
        if (FakeEngineFactory.LOAD_GATE.getCount() > 0) {
            notReadyWhileModelsLoad();
        }
        await().atMost(Duration.ofSeconds(30)).until(registry::ready);
        FakeEngine.paused = false;
        FakeEngine.stepMillis = 5;
    }

    /** Until every tier is loaded: readiness is DOWN and /v1 answers 503 with Retry-After. */
    void notReadyWhileModelsLoad() {
        assertTrue(!registry.ready());
        given().get("/q/health/ready").then().statusCode(503);
        given().get("/q/health/live").then().statusCode(200);
        ErrorsApiTest.error(given().header("Authorization", "Bearer sk-" + "A".repeat(43)).get("/v1/models").then(),
                503, "service_unavailable_error", "models_loading").header("Retry-After", notNullValue());
        FakeEngineFactory.LOAD_GATE.countDown();
    }

    @AfterEach
    void resume() {
        FakeEngine.paused = false;
    }

    @Test
    void overflowAndTimeoutAnswer429WithRetryAfter() throws Exception {
        TestKeys.Key key = keys.create();
        FakeEngine.paused = true; // holds every running sequence
        HttpClient http = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) { // 2 run, 2 wait
            held.add(http.sendAsync(post(key, "{\"model\":\"mistral-tiny\",\"max_tokens\":3,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), HttpResponse.BodyHandlers.ofString()));
        }
        TierQueue queue = registry.get("mistral-tiny").orElseThrow().queue();
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.running() == 2 && queue.waiting() == 2);

        Response full = given().header("Authorization", key.bearer()).contentType("application/json")
                .body("{\"model\":\"mistral-tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .post("/v1/chat/completions");
        full.then().statusCode(429).header("Retry-After", notNullValue()).header("x-request-id", notNullValue())
                .body("object", equalTo("error")).body("error.code", equalTo("queue_full"))
                .body("type", equalTo("rate_limit_error"));

        // the two waiting ones time out after 2 s with 429; the two running ones finish once resumed
        await().atMost(Duration.ofSeconds(10)).until(() -> held.stream().filter(CompletableFuture::isDone).count() == 2);
        assertEquals(2, queue.running());
        for (CompletableFuture<HttpResponse<String>> f : held.stream().filter(CompletableFuture::isDone).toList()) {
            HttpResponse<String> r = f.get();
            assertEquals(429, r.statusCode(), r.body());
            assertTrue(r.headers().firstValue("retry-after").isPresent());
            assertTrue(r.body().contains("\"code\":\"queue_timeout\""), r.body());
        }
        List<CompletableFuture<HttpResponse<String>>> running = held.stream().filter(f -> !f.isDone()).toList();
        FakeEngine.paused = false;
        for (CompletableFuture<HttpResponse<String>> f : running) {
            assertEquals(200, f.get(10, TimeUnit.SECONDS).statusCode());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> queue.running() == 0 && queue.waiting() == 0);
        // each of the 5 admissions was settled once: 2 completed, 3 failed (not charged)
        await().atMost(Duration.ofSeconds(5)).until(() -> keys.ledger(key.orgId()).size() == 5);
        List<String> rows = new ArrayList<>(keys.ledger(key.orgId()).values());
        assertEquals(2, rows.stream().filter(r -> r.startsWith("completed")).count(), rows.toString());
        assertEquals(3, rows.stream().filter(r -> r.startsWith("failed") && r.endsWith(" 0")).count(), rows.toString());
    }

    @Test
    void organizationsTakeTurnsInTheQueue() throws Exception {
        TestKeys.Key heavy = keys.create();
        TestKeys.Key light = keys.create();
        TierQueue queue = registry.get("mistral-small").orElseThrow().queue();
        FakeEngine.stepMillis = 30;
        FakeEngine.paused = true;
        HttpClient http = HttpClient.newHttpClient();
        String body = "{\"model\":\"mistral-small\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        List<String> finished = java.util.Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (int i = 0; i < 4; i++) { // heavy: 1 running + 3 waiting
            String name = "heavy" + i;
            all.add(http.sendAsync(post(heavy, body, "v1/chat/completions"), HttpResponse.BodyHandlers.ofString())
                    .thenAccept(r -> finished.add(name + ":" + r.statusCode())));
            int expected = i;
            await().atMost(Duration.ofSeconds(10)).until(() -> queue.running() == 1 && queue.waiting() == expected);
        }
        all.add(http.sendAsync(post(light, body, "v1/chat/completions"), HttpResponse.BodyHandlers.ofString())
                .thenAccept(r -> finished.add("light:" + r.statusCode())));
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.waiting() == 4);
        FakeEngine.paused = false;
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        // FIFO would serve the light org last; round-robin serves it right after the heavy org's next request
        assertEquals(List.of("heavy0:200", "heavy1:200", "light:200", "heavy2:200", "heavy3:200"), finished);
    }

    @Test
    void disconnectMidStreamCancelsTheSequenceAndFreesItsKvCache() throws Exception {
        TestKeys.Key key = keys.create();
        FakeEngine.stepMillis = 20;
        var engine = registry.get("mistral-tiny").orElseThrow().engine();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<InputStream> r = http.send(post(key, BODY), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        InputStream in = r.body();
        byte[] buf = new byte[4096];
        int got = 0;
        while (got < 300) { // the role chunk and a few tokens
            int n = in.read(buf);
            assertTrue(n > 0);
            got += n;
        }
        assertEquals(1, engine.stats().runningSequences());
        assertEquals(1, engine.stats().kvBlocksUsed());
        in.close(); // the client goes away
        await().atMost(Duration.ofSeconds(5)).until(() -> engine.stats().kvBlocksUsed() == 0);
        assertEquals(0, engine.stats().runningSequences());
        await().atMost(Duration.ofSeconds(5)).until(() -> keys.ledger(key.orgId()).size() == 1);
        String row = keys.ledger(key.orgId()).values().iterator().next();
        assertTrue(row.startsWith("aborted"), row);
        int completion = Integer.parseInt(row.split(" ")[2]);
        assertTrue(completion > 0 && completion < 5000, row);
    }

    /** 8 bytes: 9 tokens on the fake engine (BOS + one per byte). */
    static final int TOKENS_PER_INPUT = 9;

    @Test
    void anotherOrganizationsShortRequestIsNotHeldUpBehindALongOne() throws Exception {
        TestKeys.Key heavy = keys.create();
        TestKeys.Key light = keys.create();
        TierQueue queue = registry.get("mistral-embed").orElseThrow().queue();
        FakeEngine.stepMillis = 20;
        FakeEngine.paused = true;
        HttpClient http = HttpClient.newHttpClient();
        List<String> finished = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<?> long12 = http.sendAsync(jsonPost(heavy, "v1/embeddings", body(12), Duration.ofSeconds(30)),
                HttpResponse.BodyHandlers.ofString()).thenAccept(r -> finished.add("heavy:" + r.statusCode()));
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.running() == 2 && queue.waiting() == 1);
        CompletableFuture<?> short1 = http.sendAsync(jsonPost(light, "v1/embeddings", body(1), Duration.ofSeconds(30)),
                HttpResponse.BodyHandlers.ofString()).thenAccept(r -> finished.add("light:" + r.statusCode()));
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.waiting() == 2);
        FakeEngine.paused = false;
        CompletableFuture.allOf(long12, short1).get(30, TimeUnit.SECONDS);
        assertEquals(List.of("light:200", "heavy:200"), finished);
    }

    @Test
    void aClientThatLeavesHasItsPendingInputsCancelledAndPaysForTheComputedOnes() throws Exception {
        TestKeys.Key key = keys.create();
        TierQueue queue = registry.get("mistral-embed").orElseThrow().queue();
        FakeEngine engine = (FakeEngine) registry.get("mistral-embed").orElseThrow().engine();
        FakeEngine.stepMillis = 50;
        int inputs = 30;
        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress(base.getHost(), base.getPort()));
            byte[] json = body(inputs).getBytes(StandardCharsets.UTF_8);
            OutputStream out = client.getOutputStream();
            out.write(("POST /v1/embeddings HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + key.bearer()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + json.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(json);
            out.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> queue.running() == 2);
            Thread.sleep(400); // a few inputs are computed
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> keys.ledger(key.orgId()).size() == 1);
        String[] row = keys.ledger(key.orgId()).values().iterator().next().split(" ");
        assertEquals("aborted", row[0]);
        int billed = Integer.parseInt(row[1]);
        assertTrue(billed > 0 && billed < inputs * TOKENS_PER_INPUT && billed % TOKENS_PER_INPUT == 0,
                "billed " + billed + " prompt tokens of " + inputs * TOKENS_PER_INPUT);
        await().atMost(Duration.ofSeconds(5)).until(() -> queue.running() == 0 && queue.waiting() == 0
                && engine.pendingEmbeddings() == 0);
    }

    /** {@code n} inputs of 8 bytes each. */
    private static String body(int n) {
        return "{\"model\":\"mistral-embed\",\"input\":[" + IntStream.range(0, n)
                .mapToObj(i -> "\"piece %02d\"".formatted(i)).collect(Collectors.joining(",")) + "]}";
    }

    private HttpRequest post(TestKeys.Key key, String body) {
        return post(key, body, "v1/chat/completions");
    }

    private HttpRequest post(TestKeys.Key key, String body, String path) {
        return jsonPost(key, path, body, Duration.ofSeconds(30));
    }
}
