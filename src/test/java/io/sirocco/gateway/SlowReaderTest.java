package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.gateway.TestKeys.Key;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that stops reading its socket: its sequence is paused once its buffer is full, cancelled after the stall
 * timeout and billed for what it was sent, while 15 normal streams run to the end beside it.
 * With {@code -Dsirocco.bench=true} it also measures the normal streams' pace with and without the stalled client.
 */
@QuarkusTest
@TestProfile(SlowReaderProfile.class)
class SlowReaderTest extends ApiTestBase {
    static final int NORMAL = 15;
    static final int NORMAL_TOKENS = 200;
    static final int STALLED_TOKENS = 3000;

    @Test
    void aStalledClientIsPausedThenCancelledAndBilledForWhatItWasSent() throws Exception {
        Key key = keys.create();
        try (Socket stalled = stall(key)) {
            String requestId = requestId(stalled);
            Pace pace = normalStreams(key);
            assertEquals(NORMAL, pace.finished(), "every normal stream ran to its end");
            // cancelled on the server while the client still holds its socket open, and billed for what was sent
            await().atMost(Duration.ofSeconds(60)).until(() -> keys.ledger(key.orgId()).containsKey(requestId));
            String[] row = keys.ledger(key.orgId()).get(requestId).split(" ");
            assertEquals("aborted", row[0]);
            int billed = Integer.parseInt(row[2]);
            assertTrue(billed > 0 && billed < STALLED_TOKENS / 2, "billed " + billed + " of " + STALLED_TOKENS);
            TierQueue q = registry.get("mistral-tiny").orElseThrow().queue();
            await().atMost(Duration.ofSeconds(10)).until(() -> q.running() == 0);
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "sirocco.bench", matches = "true")
    void normalStreamsKeepTheirPaceBesideAStalledOne() throws Exception {
        Key key = keys.create();
        normalStreams(key); // warm-up
        Pace alone = normalStreams(key);
        long heapBefore = usedHeap();
        Pace beside;
        long heapAfter;
        String requestId;
        try (Socket stalled = stall(key)) {
            requestId = requestId(stalled);
            beside = normalStreams(key);
            heapAfter = usedHeap();
        }
        // the stalled request's ledger row: what the server generated (and held) for it
        await().atMost(Duration.ofSeconds(120)).until(() -> keys.ledger(key.orgId()).containsKey(requestId));
        double ratio = beside.tokensPerSecond() / alone.tokensPerSecond();
        System.out.printf("slow-reader bench: alone %.1f tok/s per stream, beside a stalled client %.1f (%.0f %%); "
                + "heap used %d MiB -> %d MiB; stalled request's ledger row: %s%n", alone.tokensPerSecond(),
                beside.tokensPerSecond(), ratio * 100, heapBefore >> 20, heapAfter >> 20,
                keys.ledger(key.orgId()).get(requestId));
        assertTrue(ratio >= 0.9, "normal streams kept " + Math.round(ratio * 100) + " % of their pace");
    }

    /** Streams that ended with {@code [DONE]}, and their mean rate, first content token to the last. */
    record Pace(int finished, double tokensPerSecond) {
    }

    /** Runs the normal streams at once and waits for all of them. */
    private Pace normalStreams(Key key) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<double[]>> streams = new ArrayList<>();
        for (int i = 0; i < NORMAL; i++) {
            String body = "{\"model\":\"mistral-tiny\",\"stream\":true,\"max_tokens\":" + NORMAL_TOKENS
                    + ",\"random_seed\":" + i + ",\"messages\":[{\"role\":\"user\",\"content\":\"Stream " + i + "\"}]}";
            streams.add(http.sendAsync(jsonPost(key, "v1/chat/completions", body, Duration.ofSeconds(300)),
                    HttpResponse.BodyHandlers.ofLines()).thenApply(r -> {
                assertEquals(200, r.statusCode());
                return rate(r.body());
            }));
        }
        int finished = 0;
        double rate = 0;
        for (CompletableFuture<double[]> s : streams) {
            double[] r = s.get(300, TimeUnit.SECONDS);
            finished += (int) r[0];
            rate += r[1];
        }
        return new Pace(finished, rate / NORMAL);
    }

    /** {1 when the stream ended with [DONE], tokens per second between the first and the last content chunk}. */
    private static double[] rate(Stream<String> lines) {
        long[] first = {0};
        long[] last = {0};
        int[] chunks = {0};
        int[] done = {0};
        lines.filter(l -> l.startsWith("data: ")).forEach(l -> {
            long now = System.nanoTime();
            if (l.contains("\"content\":\"") && !l.contains("\"content\":\"\"")) {
                first[0] = first[0] == 0 ? now : first[0];
                last[0] = now;
                chunks[0]++;
            }
            if (l.equals("data: [DONE]")) {
                done[0] = 1;
            }
        });
        double seconds = Math.max(1e-3, (last[0] - first[0]) / 1e9);
        return new double[]{done[0], (chunks[0] - 1) / seconds};
    }

    /** A client with a small receive buffer that sends a long streaming request and then never reads. */
    private Socket stall(Key key) throws Exception {
        String body = "{\"model\":\"mistral-tiny\",\"stream\":true,\"max_tokens\":" + STALLED_TOKENS
                + ",\"temperature\":1,\"random_seed\":7,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me all\"}]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Socket s = new Socket();
        s.setReceiveBufferSize(2048);
        s.connect(new InetSocketAddress(base.getHost(), base.getPort()));
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: " + base.getHost() + "\r\nAuthorization: "
                + key.bearer() + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return s;
    }

    /** Reads just the response head (for its request id), then leaves the socket unread. */
    private static String requestId(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().contains("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        Matcher m = Pattern.compile("(?i)x-request-id: (\\w+)").matcher(head);
        assertTrue(m.find(), head.toString());
        return m.group(1);
    }

    private static long usedHeap() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
