package io.sirocco.gateway;

import io.sirocco.accounts.KeyPrincipal;
import io.sirocco.http.Utf8Text;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Mounts {@code /v1} on the HTTP router, ahead of the framework's handlers so the API owns every byte: the
 * body size limit, the exact SSE framing, the error shape and the disconnect signal. The event loop reads the
 * body; each request then runs on its own virtual thread.
 */
@ApplicationScoped
public class ApiRoutes {
    /** Before Quarkus' security and REST handlers: the API authenticates with its own keys. */
    public static final int ORDER = -1_000;
    /** A declared body this many times over the limit is refused without reading it. */
    private static final long REFUSE_UNREAD_FACTOR = 16;

    @Inject
    RequestPipeline pipeline;
    @Inject
    ChatCompletions chat;
    @Inject
    FimCompletions fim;
    @Inject
    Embeddings embeddings;
    @Inject
    Models models;
    @Inject
    ModelRegistry registry;
    @Inject
    GatewayConfig config;
    private long maxBodyBytes;

    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("sirocco-api-", 0).factory());

    interface Handler {
        void handle(Call call, byte[] body) throws Exception;
    }

    void mount(@Observes Router router) {
        maxBodyBytes = config.maxBodyBytes();
        router.route("/v1").order(ORDER).handler(this::route);
        router.route("/v1/*").order(ORDER).handler(this::route);
    }

    private void route(RoutingContext ctx) {
        Call call = Call.http(ctx);
        String path = ctx.normalizedPath();
        HttpMethod method = ctx.request().method();
        switch (path) {
            case "/v1/chat/completions" -> expect(ctx, call, method, HttpMethod.POST, (c, b) -> pipeline.handle(c, b, chat));
            case "/v1/fim/completions" -> expect(ctx, call, method, HttpMethod.POST, (c, b) -> pipeline.handle(c, b, fim));
            case "/v1/embeddings" -> expect(ctx, call, method, HttpMethod.POST, (c, b) -> pipeline.handle(c, b, embeddings));
            case "/v1/models" -> expect(ctx, call, method, HttpMethod.GET, (c, b) -> models.list(c));
            default -> {
                if (path.startsWith("/v1/models/") && path.length() > "/v1/models/".length()) {
                    String id = path.substring("/v1/models/".length());
                    expect(ctx, call, method, HttpMethod.GET, (c, b) -> models.get(c, id));
                } else {
                    ErrorResponses.send(call, ApiError.notFound("no such endpoint: " + method + " " + path));
                }
            }
        }
    }

    /**
     * Serves {@code POST /v1/chat/completions} on a route of the caller's choosing, as {@code key}, for a caller that
     * authenticated the request itself (the console playground, by its session): the same validation, limits,
     * budget, queue, billing, SSE framing and error bodies as the API, without a bearer key.
     */
    public void chatAs(RoutingContext ctx, KeyPrincipal key) {
        Call call = Call.http(ctx);
        call.key = key;
        expect(ctx, call, ctx.request().method(), HttpMethod.POST, (c, b) -> pipeline.handle(c, b, chat));
    }

    private void expect(RoutingContext ctx, Call call, HttpMethod actual, HttpMethod wanted, Handler handler) {
        if (!actual.equals(wanted)) {
            call.response().putHeader("allow", wanted.name());
            ErrorResponses.send(call, ApiError.methodNotAllowed(actual + " is not allowed here; use " + wanted));
            return;
        }
        if (wanted.equals(HttpMethod.GET)) {
            dispatch(call, new byte[0], handler);
        } else {
            readBody(ctx, call, handler);
        }
    }

    /** Reads the body up to the limit; a larger one is drained and answered 413. */
    private void readBody(RoutingContext ctx, Call call, Handler handler) {
        HttpServerRequest req = ctx.request();
        if (ctx.body() != null && ctx.body().available()) {
            Buffer b = ctx.body().buffer();
            byte[] bytes = b == null ? new byte[0] : b.getBytes();
            if (bytes.length > maxBodyBytes) {
                ErrorResponses.send(call, ApiError.tooLarge(maxBodyBytes));
            } else {
                dispatch(call, bytes, handler);
            }
            return;
        }
        long declared = declaredLength(req.getHeader("content-length"));
        boolean expectsContinue = "100-continue".equalsIgnoreCase(req.getHeader("expect"));
        if (declared > maxBodyBytes * REFUSE_UNREAD_FACTOR || (expectsContinue && declared > maxBodyBytes)) {
            call.response().putHeader("connection", "close");
            call.response().endHandler(v -> req.connection().close());
            ErrorResponses.send(call, ApiError.tooLarge(maxBodyBytes));
            return;
        }
        if (expectsContinue) {
            call.response().writeContinue(); // curl waits a second for this before sending a larger body
        }
        Buffer body = Buffer.buffer();
        boolean[] tooLarge = {false};
        req.handler(chunk -> {
            if (!tooLarge[0] && body.length() + chunk.length() > maxBodyBytes) {
                tooLarge[0] = true;
            }
            if (!tooLarge[0]) {
                body.appendBuffer(chunk);
            }
        });
        req.exceptionHandler(e -> {
            // the client broke off the upload: nothing to answer
        });
        req.endHandler(v -> {
            if (tooLarge[0]) {
                ErrorResponses.send(call, ApiError.tooLarge(maxBodyBytes));
            } else {
                dispatch(call, body.getBytes(), handler);
            }
        });
        req.resume();
    }

    /** The declared Content-Length, or -1 when absent or not a number. */
    private static long declaredLength(String header) {
        if (header == null || header.isEmpty() || header.length() > 18 || !header.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Long.parseLong(header);
    }

    private void dispatch(Call call, byte[] body, Handler handler) {
        workers.execute(() -> {
            try {
                if (!registry.ready()) {
                    throw ApiError.unavailable("models_loading", registry.notReadyReason(),
                            registry.failed() ? 60 : 5);
                }
                String charset = Utf8Text.charsetProblem(call.reply().requestHeader("content-type"));
                if (charset != null && body.length > 0) {
                    throw ApiError.malformed(charset);
                }
                handler.handle(call, body);
            } catch (Throwable t) {
                ErrorResponses.send(call, t);
            }
        });
    }
}
