package io.sirocco.launch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What a client saw of one chat completion, for the tests that fail the service under load (ScaleOutIT, ChaosIT):
 * filled while the reply is read (a stream line by line, as it arrives, so a test can watch streams in flight), then
 * judged. A request ends cleanly in one of three ways a client can handle: {@link #answered()}, {@link #refused()}
 * or {@link #cut()}.
 */
public final class ChatOutcome {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FINISHED = Set.of("stop", "length", "model_length");

    private final URI uri;
    private final boolean stream;
    private final long startedMillis = System.currentTimeMillis();
    private volatile int status;
    private volatile String requestId;
    private volatile String retryAfter;
    private volatile long firstContentNanos;
    private volatile int contentChunks;
    private volatile String finishReason;
    private volatile JsonNode usage;
    private volatile JsonNode error;
    private volatile boolean done;
    private volatile String body = "";
    private volatile String failure;

    private ChatOutcome(URI uri, boolean stream) {
        this.uri = uri;
        this.stream = stream;
    }

    /** The outcome-to-be of a chat completion, streamed or not, on the service at {@code baseUri}. */
    public static ChatOutcome of(URI baseUri, boolean stream) {
        return new ChatOutcome(baseUri.resolve("/v1/chat/completions"), stream);
    }

    /** The request: mistral-tiny, greedy, at most {@code maxTokens}, answered within {@code timeout}. */
    public HttpRequest request(String key, int maxTokens, Duration timeout) {
        String body = """
                {"model":"mistral-tiny","messages":[{"role":"user","content":"Say something about the wind."}],
                 "max_tokens":%d,"temperature":0,"stream":%s}""".formatted(maxTokens, stream);
        return HttpRequest.newBuilder(uri).timeout(timeout).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** Sends {@link #request} and reads the reply into this outcome. */
    public ChatOutcome send(HttpClient http, String key, int maxTokens, Duration timeout)
            throws IOException, InterruptedException {
        HttpResponse<Stream<String>> r = http.send(request(key, maxTokens, timeout), HttpResponse.BodyHandlers.ofLines());
        status = r.statusCode();
        requestId = r.headers().firstValue("x-request-id").orElse(null);
        retryAfter = r.headers().firstValue("retry-after").orElse(null);
        if (status != 200 || !stream) {
            StringBuilder all = new StringBuilder();
            r.body().forEach(line -> all.append(line).append('\n'));
            body = all.toString();
            JsonNode n = json(body);
            if (n != null) {
                error = n.get("error");
                usage = n.hasNonNull("usage") ? n.get("usage") : null;
                finish(n.path("choices").path(0));
            }
            return this;
        }
        Iterator<String> lines = r.body().iterator();
        while (lines.hasNext()) {
            String line = lines.next();
            if (!line.startsWith("data: ")) {
                continue;
            }
            String data = line.substring(6);
            if (data.equals("[DONE]")) {
                done = true;
                continue;
            }
            JsonNode n = JSON.readTree(data);
            if (n.has("error")) {
                error = n.get("error");
            }
            JsonNode choice = n.path("choices").path(0);
            if (!choice.path("delta").path("content").asText("").isEmpty()) {
                if (firstContentNanos == 0) {
                    firstContentNanos = System.nanoTime();
                }
                contentChunks++;
            }
            finish(choice);
            if (n.hasNonNull("usage")) {
                usage = n.get("usage");
            }
        }
        return this;
    }

    /** As {@link #send}, but a failure to send or read becomes part of the outcome (which is then not clean). */
    public ChatOutcome sendQuietly(HttpClient http, String key, int maxTokens, Duration timeout) {
        try {
            return send(http, key, maxTokens, timeout);
        } catch (IOException | RuntimeException e) {
            failure = e.toString();
        } catch (InterruptedException e) {
            failure = e.toString();
            Thread.currentThread().interrupt();
        }
        return this;
    }

    private void finish(JsonNode choice) {
        if (choice.hasNonNull("finish_reason")) {
            finishReason = choice.get("finish_reason").asText();
        }
    }

    private static JsonNode json(String text) {
        if (text.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return null; // not JSON: no error body, so not a clean refusal
        }
    }

    /** A 200 with the whole answer: its usage, no error, and for a stream a normal finish and [DONE]. */
    public boolean answered() {
        return status == 200 && error == null && usage != null && (!stream || done && FINISHED.contains(finishReason));
    }

    /** Refused before any answer: a 429 or 503 with Retry-After and an error body. */
    public boolean refused() {
        return isRefusal(status) && retryAfter != null && error != null;
    }

    /** A stream cut short: after the 200, an error event ends it (with a finish_reason "error" chunk once tokens flowed). */
    public boolean cut() {
        return status == 200 && error != null && (finishReason == null || "error".equals(finishReason));
    }

    public boolean clean() {
        return answered() || refused() || cut();
    }

    /** The statuses that refuse a request for now (rate limit, overload, a dependency away). */
    public static boolean isRefusal(int status) {
        return status == 429 || status == 503;
    }

    public URI uri() {
        return uri;
    }

    public boolean stream() {
        return stream;
    }

    /** When the request was sent (wall clock). */
    public long startedMillis() {
        return startedMillis;
    }

    /** 0 until a reply arrived (and after a failure to send). */
    public int status() {
        return status;
    }

    public String requestId() {
        return requestId;
    }

    /** {@link System#nanoTime()} when the first content chunk arrived; 0 before. */
    public long firstContentNanos() {
        return firstContentNanos;
    }

    /** The content chunks received so far. */
    public int contentChunks() {
        return contentChunks;
    }

    public String finishReason() {
        return finishReason;
    }

    public JsonNode usage() {
        return usage;
    }

    /** True once a stream's {@code data: [DONE]} arrived. */
    public boolean done() {
        return done;
    }

    @Override
    public String toString() {
        return uri + " status " + status + " id " + requestId + " chunks " + contentChunks + " finish " + finishReason
                + " retry-after " + retryAfter + " done " + done + " error " + error + " usage " + usage
                + (failure != null ? " failure " + failure : "") + (body.isEmpty() ? "" : " body " + body.strip());
    }
}
