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
 * One API request in flight: its id, caller, rate-limit standing, and the client connection. Knows when the
 * client went away and runs the registered cancellations then.
 */
public final class Call implements Queue.Waiter {
    final RoutingContext ctx;
    volatile String requestId;
    /** Set when the call is a batch line ({@link BatchLines}); null for live requests. */
    volatile BatchLines.Line batch;
    final long startNanos = System.nanoTime();
    private final long createdEpochSeconds = System.currentTimeMillis() / 1000;
    volatile KeyPrincipal key;
    volatile RateLimits.State rate;
    /** The request field an engine refusal of each kind is about: set by the endpoint. */
    volatile Function<EngineException.Kind, String> refusalParams = kind -> null;
    private final List<Runnable> onGone = new ArrayList<>();
    private boolean gone;

    Call(RoutingContext ctx) {
        this.ctx = ctx;
        byte[] random = new byte[12];
        ThreadLocalRandom.current().nextBytes(random);
        this.requestId = HexFormat.of().formatHex(random);
        ctx.response().putHeader("x-request-id", requestId);
        ctx.response().closeHandler(v -> clientGone());
    }

    /** A batch line: its own request id instead of the random one. */
    void identify(String lineRequestId, BatchLines.Line line) {
        this.requestId = lineRequestId;
        this.batch = line;
        ctx.response().putHeader("x-request-id", lineRequestId);
    }

    boolean isBatchLine() {
        return batch != null;
    }

    long createdEpochSeconds() {
        return createdEpochSeconds;
    }

    HttpServerResponse response() {
        return ctx.response();
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

    private void clientGone() {
        List<Runnable> actions;
        synchronized (onGone) {
            if (gone || ctx.response().ended()) {
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
        if (s == null || ctx.response().headWritten()) {
            return;
        }
        ctx.response()
                .putHeader("x-ratelimit-limit-requests", Integer.toString(s.requestLimit()))
                .putHeader("x-ratelimit-remaining-requests", Long.toString(s.remainingRequests()))
                .putHeader("x-ratelimit-limit-tokens", Integer.toString(s.tokenLimit()))
                .putHeader("x-ratelimit-remaining-tokens", Long.toString(s.remainingTokens()))
                .putHeader("x-ratelimit-reset-requests", s.retryAfterSeconds() + "s");
    }

    /** Sends a complete JSON response. */
    void json(int status, Object body) {
        if (ctx.response().ended() || isClientGone()) {
            return;
        }
        rateLimitHeaders();
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
                .end(Buffer.buffer(StrictJson.write(body)));
    }
}
