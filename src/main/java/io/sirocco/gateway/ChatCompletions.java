package io.sirocco.gateway;

import io.sirocco.billing.UsageEvent;
import io.sirocco.billing.UsageStatus;
import io.sirocco.engine.EngineException;
import io.sirocco.engine.FinishReason;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.TokenListener;
import io.sirocco.gateway.dispatch.DispatchException;
import io.vertx.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code POST /v1/chat/completions}: one JSON answer, or an SSE stream when {@code stream} is true. */
@ApplicationScoped
public class ChatCompletions {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    @Inject
    Pipeline pipeline;
    @Inject
    GatewayMetrics metrics;
    @Inject
    EngineFactory engines;

    void handle(Call call, byte[] body) throws InterruptedException {
        pipeline.authenticate(call);
        ChatValidation.Checked req = ChatValidation.check(StrictJson.read(body, ChatRequest.class));
        ModelRegistry.Served model = pipeline.resolve(call, req.model(), ModelTier.Kind.CHAT);
        int[] prompt = encode(model, req);
        int context = model.engine().info().contextLength();
        if (prompt.length >= context) {
            throw ApiError.invalid("messages", "the prompt is " + prompt.length + " tokens; " + req.model()
                    + " accepts at most " + (context - 1) + " prompt tokens");
        }
        int maxTokens = maxTokens(model, req, prompt.length);
        int room = context - prompt.length;
        pipeline.limit(call, prompt.length);
        Settlement settlement = pipeline.admit(call, req.model(), prompt.length, Math.min(maxTokens, room));
        try {
            TierQueue.Ticket slot = pipeline.acquire(call, model, settlement, prompt.length);
            if (slot == null) {
                return; // the client left while waiting; settled as aborted
            }
            try (slot) {
                GenerationParams params = new GenerationParams((float) req.temperature(), (float) req.topP(),
                        maxTokens, req.stop(), req.randomSeed());
                if (req.stream()) {
                    stream(call, model, req, prompt, params, settlement);
                } else {
                    complete(call, model, req, prompt, params, settlement);
                }
            }
        } finally {
            settlement.failIfOpen(prompt.length);
        }
    }

    /** Starts the generation, timing its first token; an engine that refuses it (e.g. no KV-cache room) is a 503. */
    private Generation start(Call call, ModelRegistry.Served model, String modelId, int[] prompt,
                             GenerationParams params, TokenListener listener) {
        AtomicBoolean first = new AtomicBoolean(true);
        TokenListener timed = (id, delta) -> {
            if (first.compareAndSet(true, false)) {
                metrics.timeToFirstToken(modelId, System.nanoTime() - call.startNanos);
            }
            listener.onToken(id, delta);
        };
        try {
            return engines.forCaller(model.engine(), call.key).generate(prompt, params, timed);
        } catch (EngineException e) {
            throw ApiError.unavailable("engine_busy", model.tier().id() + " cannot take the request now: "
                    + e.getMessage(), 1);
        }
    }

    /**
     * The caller's max_tokens, or by default as many as fit the context and the engine's KV-cache pool.
     * An explicit max_tokens that could never fit the pool is a 422 (the engine reserves prompt + max_tokens).
     */
    private static int maxTokens(ModelRegistry.Served model, ChatValidation.Checked req, int prompt) {
        int room = model.engine().info().contextLength() - prompt;
        int pool = model.options().kvCacheTokens() > 0 ? model.options().kvCacheTokens() - prompt : room;
        if (req.maxTokens() == null) {
            return Math.max(1, Math.min(room, pool));
        }
        if (Math.min(req.maxTokens(), room) > pool) {
            throw ApiError.invalid("max_tokens", "prompt + max_tokens must stay within " + model.options().kvCacheTokens()
                    + " tokens on this server; lower max_tokens");
        }
        return req.maxTokens();
    }

    private static int[] encode(ModelRegistry.Served model, ChatValidation.Checked req) {
        try {
            return model.engine().encodeChat(req.messages(), req.safePrompt());
        } catch (EngineException e) {
            throw ApiError.invalid("messages", e.getMessage());
        }
    }

    private void complete(Call call, ModelRegistry.Served model, ChatValidation.Checked req, int[] prompt,
                          GenerationParams params, Settlement settlement) {
        Generation gen = start(call, model, req.model(), prompt, params, (id, delta) -> {
        });
        call.onClientGone(gen::cancel);
        GenerationResult r = gen.result().join();
        UsageEvent usage = settle(call, settlement, r);
        if (r.finishReason() == FinishReason.CANCELLED || call.isClientGone()) {
            return;
        }
        if (r.finishReason() == FinishReason.ERROR) {
            throw failure(r);
        }
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "assistant");
        message.put("content", AssistantText.stripLeadingSpace(r.text()));
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("message", message);
        choice.put("finish_reason", finishReason(r.finishReason()));
        Map<String, Object> out = envelope(call, req.model(), "chat.completion");
        out.put("choices", List.of(choice));
        out.put("usage", usage(r, null));
        call.response().putHeader("x-sirocco-cost-eur", usage.costEur().toPlainString());
        call.json(200, out);
    }

    private void stream(Call call, ModelRegistry.Served model, ChatValidation.Checked req, int[] prompt,
                        GenerationParams params, Settlement settlement) {
        call.rateLimitHeaders();
        call.response().setStatusCode(200).setChunked(true)
                .putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache")
                .putHeader("x-accel-buffering", "no");
        Map<String, Object> roleDelta = new LinkedHashMap<>();
        roleDelta.put("role", "assistant");
        roleDelta.put("content", "");
        event(call, chunk(call, req.model(), roleDelta, null));
        AssistantText.Stream text = new AssistantText.Stream();
        Generation[] gen0 = new Generation[1];
        Generation gen = start(call, model, req.model(), prompt, params, (id, token) -> {
            String delta = text.next(token);
            if (!delta.isEmpty() && !call.isClientGone()) {
                try {
                    event(call, chunk(call, req.model(), Map.of("content", delta), null));
                } catch (RuntimeException e) {
                    if (gen0[0] != null) {
                        gen0[0].cancel(); // the connection broke under us
                    }
                }
            }
        });
        gen0[0] = gen;
        call.onClientGone(gen::cancel);
        GenerationResult r = gen.result().join();
        UsageEvent usage = settle(call, settlement, r);
        if (r.finishReason() == FinishReason.CANCELLED || call.isClientGone()) {
            return;
        }
        if (r.finishReason() == FinishReason.ERROR) {
            // An error chunk (finish_reason "error", usage = what was streamed and billed), then the error body.
            Map<String, Object> last = chunk(call, req.model(), Map.of(), "error");
            last.put("usage", usage(r, usage));
            event(call, last);
            event(call, ErrorResponses.body(ErrorResponses.map(failure(r), call.requestId)));
            call.response().end();
            return;
        }
        Map<String, Object> usageBody = usage(r, usage);
        Map<String, Object> last = chunk(call, req.model(), Map.of(), finishReason(r.finishReason()));
        if (req.includeUsage()) {
            event(call, last);
            Map<String, Object> usageOnly = envelope(call, req.model(), "chat.completion.chunk");
            usageOnly.put("choices", List.of());
            usageOnly.put("usage", usageBody);
            event(call, usageOnly);
        } else {
            last.put("usage", usageBody);
            event(call, last);
        }
        call.response().end(Buffer.buffer(DONE));
    }

    /** A failed generation as an exception for the error mapper (scale-out dispatch failures keep their kind). */
    private static RuntimeException failure(GenerationResult r) {
        return r.error() instanceof DispatchException d ? d : new IllegalStateException("generation failed", r.error());
    }

    private UsageEvent settle(Call call, Settlement settlement, GenerationResult r) {
        UsageStatus status = switch (r.finishReason()) {
            case STOP, LENGTH, MODEL_LENGTH -> call.isClientGone() ? UsageStatus.ABORTED : UsageStatus.COMPLETED;
            case CANCELLED -> UsageStatus.ABORTED;
            case ERROR -> UsageStatus.FAILED;
        };
        metrics.tokens(settlement.admission.model(), r.promptTokens(), r.completionTokens());
        return settlement.settle(r.promptTokens(), r.cachedTokens(), r.completionTokens(), status);
    }

    /** {@code data: {json}\n\n}, exactly. */
    private static void event(Call call, Object json) {
        byte[] payload = StrictJson.write(json);
        Buffer b = Buffer.buffer(payload.length + 8).appendString("data: ").appendBytes(payload).appendString("\n\n");
        call.response().write(b);
    }

    private static Map<String, Object> envelope(Call call, String model, String object) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", "cmpl-" + call.requestId);
        out.put("object", object);
        out.put("created", call.createdEpochSeconds());
        out.put("model", model);
        return out;
    }

    private static Map<String, Object> chunk(Call call, String model, Map<String, Object> delta, String finish) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("delta", delta);
        choice.put("finish_reason", finish);
        Map<String, Object> out = envelope(call, model, "chat.completion.chunk");
        out.put("choices", List.of(choice));
        return out;
    }

    /** Token counts; the prompt tokens served from the prefix cache in OpenAI's and Mistral's fields. */
    private static Map<String, Object> usage(GenerationResult r, UsageEvent cost) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", r.promptTokens());
        u.put("completion_tokens", r.completionTokens());
        u.put("total_tokens", r.promptTokens() + r.completionTokens());
        u.put("prompt_tokens_details", Map.of("cached_tokens", r.cachedTokens()));
        u.put("num_cached_tokens", r.cachedTokens());
        if (cost != null) {
            u.put("cost_eur", cost.costEur().toPlainString());
        }
        return u;
    }

    static String finishReason(FinishReason r) {
        return switch (r) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case MODEL_LENGTH -> "model_length";
            case CANCELLED, ERROR -> "error";
        };
    }
}
