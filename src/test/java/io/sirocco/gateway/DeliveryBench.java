package io.sirocco.gateway;

import io.sirocco.engine.FinishReason;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.TokenListener;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Not a test: what framing several waiting tokens into one socket write saves in {@link TokenStream#deliver}. A
 * Vert.x server streams SSE chunks shaped like chat's to {@code streams} local clients that read as fast as they can;
 * each stream's tokens come from a producer that never waits for the model (the engine is the bottleneck in real
 * use, so this isolates the delivery stage's cost). Every round runs the same streams once writing each token on its
 * own ({@code perWrite} 1, the old delivery) and once writing all waiting tokens together (the default), and prints
 * wall time and process CPU time per token. Run: {@code java -cp target/test-classes:target/classes:<deps>
 * io.sirocco.gateway.DeliveryBench [streams] [tokens] [rounds]} (docs/benchmarks.md).
 */
final class DeliveryBench {
    private DeliveryBench() {
    }

    public static void main(String[] args) throws Exception {
        int streams = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Vertx vertx = Vertx.vertx();
        int[] perWrite = {1};
        Router router = Router.router(vertx);
        router.route("/stream").handler(ctx -> {
            Call call = Call.http(ctx);
            ctx.response().setChunked(true).putHeader("content-type", "text/event-stream");
            int n = perWrite[0];
            Thread.ofVirtual().start(() -> serve(call, tokens, n));
        });
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        URI uri = URI.create("http://127.0.0.1:" + server.actualPort() + "/stream");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        run(http, uri, streams, tokens, perWrite, 1, "warm-up, per token");
        run(http, uri, streams, tokens, perWrite, Integer.MAX_VALUE, "warm-up, batched");
        for (int r = 1; r <= rounds; r++) {
            run(http, uri, streams, tokens, perWrite, 1, "round " + r + ", one write per token");
            run(http, uri, streams, tokens, perWrite, Integer.MAX_VALUE, "round " + r + ", waiting tokens batched");
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static void run(HttpClient http, URI uri, int streams, int tokens, int[] perWrite, int n, String label)
            throws Exception {
        perWrite[0] = n;
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        List<CompletableFuture<Long>> reads = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            reads.add(CompletableFuture.supplyAsync(() -> read(http, uri)));
        }
        long bytes = 0;
        for (CompletableFuture<Long> f : reads) {
            bytes += f.get(600, TimeUnit.SECONDS);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpuPerToken = (os.getProcessCpuTime() - cpu0) / (double) (streams * (long) tokens);
        System.out.printf("%-42s %d streams x %d tokens: %.2f s, %.0f tokens/s, %.2f us CPU per token, %d bytes%n",
                label, streams, tokens, wall, streams * (double) tokens / wall, cpuPerToken / 1000, bytes);
    }

    private static long read(HttpClient http, URI uri) {
        try {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            long n = 0;
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = r.body()) {
                for (int k; (k = in.read(buf)) > 0; ) {
                    n += k;
                }
            }
            return n;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** One stream: a producer adds tokens as fast as the stream lets it; this thread delivers them. */
    private static void serve(Call call, int tokens, int perWrite) {
        TokenStream stream = new TokenStream(64, Duration.ofSeconds(30), new AtomicLong(), perWrite);
        Producer producer = new Producer(stream.listener(0, null), tokens);
        stream.attach(List.of(producer));
        Thread.ofVirtual().start(producer::run);
        try {
            stream.deliver(call, (token, out) -> {
                Map<String, Object> choice = new LinkedHashMap<>();
                choice.put("index", token.choice());
                choice.put("delta", Map.of("content", token.delta()));
                choice.put("finish_reason", null);
                Map<String, Object> chunk = new LinkedHashMap<>();
                chunk.put("id", "cmpl-bench");
                chunk.put("object", "chat.completion.chunk");
                chunk.put("created", 0);
                chunk.put("model", "bench");
                chunk.put("choices", List.of(choice));
                ChatCompletions.frame(out, chunk);
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        call.response().end("data: [DONE]\n\n");
    }

    /** A generation that produces its tokens at once, holding back while the stream has paused it. */
    private static final class Producer implements Generation {
        private final TokenListener listener;
        private final int tokens;
        private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
        private volatile boolean paused;
        private volatile Thread thread;

        Producer(TokenListener listener, int tokens) {
            this.listener = listener;
            this.tokens = tokens;
        }

        void run() {
            thread = Thread.currentThread();
            for (int i = 0; i < tokens; i++) {
                while (paused) {
                    LockSupport.park(this);
                }
                listener.onToken(i, " wind");
            }
            result.complete(new GenerationResult(1, tokens, FinishReason.LENGTH, "", null));
        }

        @Override
        public void cancel() {
            result.complete(new GenerationResult(1, 0, FinishReason.CANCELLED, "", null));
        }

        @Override
        public CompletableFuture<GenerationResult> result() {
            return result;
        }

        @Override
        public void pause() {
            paused = true;
        }

        @Override
        public void resume() {
            paused = false;
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }
}
