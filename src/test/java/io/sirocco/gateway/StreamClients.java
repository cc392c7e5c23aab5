package io.sirocco.gateway;

import io.sirocco.gateway.TestKeys.Key;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
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

/**
 * Streaming clients for the slow-reader test and bench: normal SSE readers, and a raw-socket client that sends one
 * long streaming request and then stops reading.
 */
final class StreamClients {
    private final URL base;
    private final Key key;

    StreamClients(URL base, Key key) {
        this.base = base;
        this.key = key;
    }

    /** Streams that ended with {@code [DONE]}, and their mean rate per stream, first content token to the last. */
    record Pace(int finished, double tokensPerSecond) {
    }

    /** Runs {@code count} streams of {@code maxTokens} at once on mistral-tiny and waits for all of them. */
    Pace normalStreams(int count, int maxTokens) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<double[]>> streams = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String body = "{\"model\":\"mistral-tiny\",\"stream\":true,\"max_tokens\":" + maxTokens
                    + ",\"random_seed\":" + i + ",\"messages\":[{\"role\":\"user\",\"content\":\"Stream " + i + "\"}]}";
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "v1/chat/completions"))
                    .header("Authorization", key.bearer()).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(600)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
            streams.add(http.sendAsync(req, HttpResponse.BodyHandlers.ofLines()).thenApply(r -> {
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("status " + r.statusCode());
                }
                return rate(r.body());
            }));
        }
        int finished = 0;
        double rate = 0;
        for (CompletableFuture<double[]> s : streams) {
            double[] r = s.get(600, TimeUnit.SECONDS);
            finished += (int) r[0];
            rate += r[1];
        }
        return new Pace(finished, rate / count);
    }

    /** {1 when the stream ended with [DONE], content chunks per second between the first and the last one}. */
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
        return new double[]{done[0], Math.max(0, chunks[0] - 1) / seconds};
    }

    /**
     * A client with a small receive buffer that sends a long streaming request, reads the response head and then
     * never reads again. Returns the socket (close it to end the client) and the request id.
     */
    Stalled stall(int maxTokens) throws Exception {
        String body = "{\"model\":\"mistral-tiny\",\"stream\":true,\"max_tokens\":" + maxTokens
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
        if (!m.find() || !head.toString().startsWith("HTTP/1.1 200")) {
            s.close();
            throw new IllegalStateException("no streaming answer: " + head);
        }
        return new Stalled(s, m.group(1));
    }

    record Stalled(Socket socket, String requestId) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            socket.close();
        }
    }
}
