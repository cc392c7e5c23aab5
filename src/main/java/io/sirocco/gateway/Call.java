package io.sirocco.gateway;

import io.sirocco.accounts.KeyPrincipal;
import io.sirocco.engine.EngineException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * One API request in flight: its id, caller, rate-limit standing, and where its answer goes ({@link Reply}: the
 * client's HTTP connection, or for a batch line, memory). Knows when the client went away (or the batch line was
 * cancelled) and runs the registered cancellations then.
 */
public final class Call implements Queue.Waiter {
    private final Reply reply;
    volatile String requestId;
    /** True for a batch line ({@link BatchLines}): background priority, batch prices, no rpm/tpm. */
    private final boolean batchLine;
    final long startNanos = System.nanoTime();
    private final long createdEpochSeconds = System.currentTimeMillis() / 1000;
    volatile KeyPrincipal key;
    volatile RateLimits.State rate;
    /** The request field an engine refusal of each kind is about: set by the endpoint. */
    volatile Function<EngineException.Kind, String> refusalParams = kind -> null;
    private final List<Runnable> onGone = new ArrayList<>();
    private boolean gone;

    private Call(Reply reply, String requestId, boolean batchLine) {
        this.reply = reply;
        this.requestId = requestId;
        this.batchLine = batchLine;
        reply.header("x-request-id", requestId);
    }

    /** A request on the HTTP connection of {@code ctx}, with a fresh random request id. */
    static Call http(RoutingContext ctx) {
        byte[] random = new byte[12];
        ThreadLocalRandom.current().nextBytes(random);
        Call call = new Call(new HttpReply(ctx), HexFormat.of().formatHex(random), false);
        ctx.response().closeHandler(v -> call.clientGone());
        return call;
    }

    /** A batch line run in this process as {@code key}, under the line's own request id; it answers into memory. */
    static Call batchLine(String requestId, KeyPrincipal key) {
        Call call = new Call(new LineReply(), requestId, true);
        call.key = key;
        return call;
    }

    boolean isBatchLine() {
        return batchLine;
    }

    long createdEpochSeconds() {
        return createdEpochSeconds;
    }

    Reply reply() {
        return reply;
    }

    /** The HTTP response, for a reply written piece by piece (SSE); a batch line has none and is refused. */
    HttpServerResponse response() {
        return reply.http();
    }

    /** Runs {@code action} when the client disconnects (at once if it already has). */
    @Override
    public void onClientGone(Runnable action) {
        boolean now;
        synchronized (onGone) {
            now = gone;
            if (!now) {
                onGone.add(action);
            }
        }
        if (now) {
            action.run();
        }
    }

    @Override
    public boolean isClientGone() {
        synchronized (onGone) {
            return gone;
        }
    }

    /** The client went away (or a batch line was cancelled): runs the cancellations, once. */
    void clientGone() {
        List<Runnable> actions;
        synchronized (onGone) {
            if (gone || reply.ended()) {
                return;
            }
            gone = true;
            actions = List.copyOf(onGone);
            onGone.clear();
        }
        actions.forEach(Runnable::run);
    }

    /** Puts the {@code x-ratelimit-*} headers on the response, when the caller is known. */
    void rateLimitHeaders() {
        RateLimits.State s = rate;
        if (s == null || reply.headWritten()) {
            return;
        }
        reply.header("x-ratelimit-limit-requests", Integer.toString(s.requestLimit()));
        reply.header("x-ratelimit-remaining-requests", Long.toString(s.remainingRequests()));
        reply.header("x-ratelimit-limit-tokens", Integer.toString(s.tokenLimit()));
        reply.header("x-ratelimit-remaining-tokens", Long.toString(s.remainingTokens()));
        reply.header("x-ratelimit-reset-requests", s.retryAfterSeconds() + "s");
    }

    /** Sends a complete JSON response. */
    void json(int status, Object body) {
        if (reply.ended() || isClientGone()) {
            return;
        }
        rateLimitHeaders();
        reply.end(status, StrictJson.write(body));
    }

    /** Where a call's answer goes. */
    sealed interface Reply permits HttpReply, LineReply {
        /** A header of the request, or null. */
        String requestHeader(String name);

        void header(String name, String value);

        boolean headWritten();

        boolean ended();

        /** The whole answer: a JSON body with its status. */
        void end(int status, byte[] json);

        /** The HTTP response to write piece by piece (SSE). */
        HttpServerResponse http();
    }

    /** The client's HTTP connection. */
    record HttpReply(RoutingContext ctx) implements Reply {
        @Override
        public String requestHeader(String name) {
            return ctx.request().getHeader(name);
        }

        @Override
        public void header(String name, String value) {
            ctx.response().putHeader(name, value);
        }

        @Override
        public boolean headWritten() {
            return ctx.response().headWritten();
        }

        @Override
        public boolean ended() {
            return ctx.response().ended();
        }

        @Override
        public void end(int status, byte[] json) {
            ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
                    .end(Buffer.buffer(json));
        }

        @Override
        public HttpServerResponse http() {
            return ctx.response();
        }
    }

    /** A batch line's answer, kept in memory for the batch runner to store. */
    static final class LineReply implements Reply {
        private volatile Integer status;
        private volatile byte[] body;

        @Override
        public String requestHeader(String name) {
            return null;
        }

        @Override
        public void header(String name, String value) {
            // a line's result keeps its status and body only
        }

        @Override
        public boolean headWritten() {
            return status != null;
        }

        @Override
        public boolean ended() {
            return status != null;
        }

        @Override
        public synchronized void end(int status, byte[] json) {
            if (this.status == null) {
                this.body = json;
                this.status = status;
            }
        }

        @Override
        public HttpServerResponse http() {
            throw ApiError.invalid("stream", "stream is not available in batch: results are written to a file");
        }

        Integer status() {
            return status;
        }

        byte[] body() {
            return body;
        }
    }
}
