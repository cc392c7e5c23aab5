package io.sirocco.gateway;

import io.sirocco.billing.BudgetExceededException;
import io.sirocco.billing.DatabaseOutage;
import io.sirocco.billing.UnpricedModelException;
import org.jboss.logging.Logger;

import io.sirocco.engine.EngineException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The one error mapper of the API: any failure becomes the OpenAI error shape plus Mistral's object tag,
 * {@code {"object":"error","error":{"message","type","param","code"},"message","type"}}. Unexpected failures are
 * logged with the request id and answered 500 with no detail: no stack trace ever reaches a client.
 */
public final class ErrorResponses {
    private static final Logger LOG = Logger.getLogger(ErrorResponses.class);

    private ErrorResponses() {
    }

    /** Maps a failure to its API error; an engine refusal names the request field it is about. */
    public static ApiError map(Throwable t, String requestId) {
        return map(t, requestId, kind -> null);
    }

    static ApiError map(Throwable t, String requestId, Function<EngineException.Kind, String> params) {
        if (t instanceof ApiError e) {
            return e;
        }
        if (t instanceof BudgetExceededException e) {
            return ApiError.budget(e.getMessage());
        }
        if (t instanceof UnpricedModelException e) {
            return ApiError.unavailable("model_unpriced", e.getMessage(), 60);
        }
        if (t instanceof EngineException e) {
            return engine(e, params.apply(e.kind()));
        }
        if (t instanceof TierQueue.FullException) {
            return ApiError.rateLimited("queue_full", "the model's queue is full; retry shortly", 1);
        }
        if (DatabaseOutage.causedBy(t)) {
            LOG.warnf("request %s: the database is unavailable: %s", requestId, t.getMessage());
            return ApiError.unavailable("database_unavailable", "the service's database is unavailable; retry shortly", 5);
        }
        LOG.errorf(t, "request %s failed", requestId);
        return ApiError.internal();
    }

    /** An engine's refusal or failure, by kind: never a 500. */
    private static ApiError engine(EngineException e, String param) {
        return switch (e.kind()) {
            case INVALID_INPUT, CONTEXT_EXCEEDED, KV_EXCEEDED -> ApiError.invalid(param, e.getMessage());
            case UNAVAILABLE -> ApiError.unavailable("engine_unavailable", e.getMessage(), 5);
            case QUEUE_TIMEOUT -> ApiError.rateLimited("queue_timeout", "the model is busy: no worker was free in "
                    + "time; retry shortly", 5);
            case ENGINE_LOST -> ApiError.unavailable("worker_lost", "the worker serving this request stopped; retry", 1);
            case FAILED -> ApiError.unavailable("engine_failed", "the model failed on this request; retry", 1);
        };
    }

    public static Map<String, Object> body(ApiError e) {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("message", e.getMessage());
        inner.put("type", e.type());
        inner.put("param", e.param());
        inner.put("code", e.code());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("object", "error");
        body.put("error", inner);
        body.put("message", e.getMessage());
        body.put("type", e.type());
        return body;
    }

    /** Answers the call with the error, unless the response has already started (then it is only logged). */
    static void send(Call call, Throwable t) {
        ApiError e = map(t, call.requestId, call.refusalParams);
        Call.Reply reply = call.reply();
        if (reply.ended()) {
            return;
        }
        if (reply.headWritten()) { // mid-stream: an error event, then close the stream without [DONE]
            try {
                byte[] json = StrictJson.write(body(e));
                call.response().end(io.vertx.core.buffer.Buffer.buffer("data: ").appendBytes(json).appendString("\n\n"));
            } catch (RuntimeException closed) {
                LOG.debugf("request %s: could not report %s mid-stream", call.requestId, e.getMessage());
            }
            return;
        }
        if (e.retryAfterSeconds() != null) {
            reply.header("retry-after", Long.toString(e.retryAfterSeconds()));
        }
        if (e.status() == 401) { // RFC 6750: name the scheme; say the token was bad when one was sent
            boolean sent = reply.requestHeader("authorization") != null;
            reply.header("www-authenticate",
                    sent ? "Bearer realm=\"sirocco\", error=\"invalid_token\"" : "Bearer realm=\"sirocco\"");
        }
        call.json(e.status(), body(e));
    }
}
