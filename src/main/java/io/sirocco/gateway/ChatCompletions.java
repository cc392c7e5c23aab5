package io.sirocco.gateway;

import io.sirocco.billing.UsageEvent;
import io.sirocco.billing.UsageStatus;
import io.sirocco.engine.EngineException;
import io.sirocco.engine.FinishReason;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.ModelText;
import io.vertx.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code POST /v1/chat/completions}: one JSON answer, or an SSE stream when {@code stream} is true. */
@ApplicationScoped
public class ChatCompletions implements Endpoint<ChatValidation.Checked, ChatCompletions.Work> {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    @Inject
    GatewayMetrics metrics;
    @Inject
    GatewayConfig config;

    /** The prompt's tokens and the sampling parameters; {@code maxNewTokens} is what billing reserves. */
    record Work(int[] prompt, int maxNewTokens, GenerationParams params) implements Endpoint.Prepared {
        @Override
        public int promptTokens() {
            return prompt.length;
        }
    }

    @Override
    public ModelTier.Kind kind() {
        return ModelTier.Kind.CHAT;
    }

    @Override
    public String param(EngineException.Kind kind) {
        return kind == EngineException.Kind.KV_EXCEEDED ? "max_tokens" : "messages";
    }

    @Override
    public ChatValidation.Checked validate(byte[] body) {
        return ChatValidation.check(StrictJson.read(body, ChatRequest.class));
    }

    @Override
    public String model(ChatValidation.Checked req) {
        return req.model();
    }

    @Override
    public long promptChars(ChatValidation.Checked req) {
        return req.messages().stream().mapToLong(m -> m.content() == null ? 0 : m.content().length()).sum();
    }

    /**
     * The chat template's tokens; max_tokens defaults to as many as fit the context and the KV-cache pool, and an
     * explicit one that could never fit the pool is refused (the engine reserves prompt + max_tokens).
     */
    @Override
    public Work prepare(ChatValidation.Checked req, ModelText model) {
        int[] prompt = model.encodeChat(req.messages(), req.safePrompt());
        int budget = model.info().generationBudget(prompt.length, req.maxTokens() == null ? 0 : req.maxTokens());
        GenerationParams params = new GenerationParams((float) req.temperature(), (float) req.topP(),
                req.maxTokens() == null ? budget : req.maxTokens(), req.stop(), req.randomSeed());
        return new Work(prompt, budget, params);
    }

    @Override
    public void run(Job<ChatValidation.Checked, Work> job) throws InterruptedException {
        Queue.Slot slot = job.slot();
        if (slot == null) {
            job.settlement().settle(job.prepared().promptTokens(), 0, UsageStatus.ABORTED); // left while waiting
            return;
        }
        try (slot) {
            if (job.request().stream()) {
                stream(job, slot);
            } else {
                complete(job, slot);
            }
        }
    }

    /** A failed generation as an engine failure for the error mapper. */
    private static EngineException failure(GenerationResult r) {
        return r.error() instanceof EngineException e ? e
                : new EngineException(EngineException.Kind.FAILED, "generation failed", r.error());
    }

    private UsageEvent settle(Settlement settlement, GenerationResult r, Call call) {
        return switch (r.finishReason()) {
            case STOP, LENGTH, MODEL_LENGTH -> settlement.settleFinished(r.promptTokens(), r.cachedTokens(),
                    r.completionTokens());
            case CANCELLED -> settlement.settle(r.promptTokens(), r.cachedTokens(), r.completionTokens(),
                    UsageStatus.ABORTED);
            case ERROR -> settlement.settle(r.promptTokens(), r.cachedTokens(), r.completionTokens(), UsageStatus.FAILED);
        };
    }

    /** Starts the generation on the slot's engine; the client leaving cancels it. */
    private Generation start(Job<ChatValidation.Checked, Work> job, Queue.Slot slot,
                             io.sirocco.engine.TokenListener listener) {
        Generation gen = slot.engine().generate(job.prepared().prompt(), job.prepared().params(), listener);
        job.call().onClientGone(gen::cancel);
        return gen;
    }

    private void firstToken(Call call, String model) {
        metrics.timeToFirstToken(model, System.nanoTime() - call.startNanos);
    }

    private void complete(Job<ChatValidation.Checked, Work> job, Queue.Slot slot) {
        Call call = job.call();
        String model = job.request().model();
        boolean[] first = {true};
        GenerationResult r = start(job, slot, (id, delta) -> {
            if (first[0]) {
                first[0] = false;
                firstToken(call, model);
            }
        }).result().join();
        UsageEvent usage = settle(job.settlement(), r, call);
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
        Map<String, Object> out = envelope(call, model, "chat.completion");
        out.put("choices", List.of(choice));
        out.put("usage", usage(r, null));
        call.response().putHeader("x-sirocco-cost-eur", usage.costEur().toPlainString());
        call.json(200, out);
    }

    /** SSE: the tokens go through this stream's {@link TokenStream}, written on this thread, never the engine's. */
    private void stream(Job<ChatValidation.Checked, Work> job, Queue.Slot slot) throws InterruptedException {
        Call call = job.call();
        String model = job.request().model();
        call.rateLimitHeaders();
        call.response().setStatusCode(200).setChunked(true)
                .putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache")
                .putHeader("x-accel-buffering", "no");
        Map<String, Object> roleDelta = new LinkedHashMap<>();
        roleDelta.put("role", "assistant");
        roleDelta.put("content", "");
        event(call, chunk(call, model, roleDelta, null));
        AssistantText.Stream text = new AssistantText.Stream();
        TokenStream tokens = new TokenStream(config.stream().bufferTokens(), config.stream().stallTimeout(),
                () -> firstToken(call, model));
        tokens.attach(start(job, slot, tokens));
        GenerationResult r = tokens.deliver(call, token -> {
            String delta = text.next(token);
            if (!delta.isEmpty()) {
                event(call, chunk(call, model, Map.of("content", delta), null));
            }
        });
        if (tokens.stalled()) { // the client stopped reading: it pays for what it was sent
            job.settlement().settle(r.promptTokens(), r.cachedTokens(),
                    Math.min(tokens.delivered(), r.completionTokens()), UsageStatus.ABORTED);
            call.response().reset();
            return;
        }
        UsageEvent usage = settle(job.settlement(), r, call);
        if (r.finishReason() == FinishReason.CANCELLED || call.isClientGone()) {
            return;
        }
        if (r.finishReason() == FinishReason.ERROR) {
            // An error chunk (finish_reason "error", usage = what was streamed and billed), then the error body.
            Map<String, Object> last = chunk(call, model, Map.of(), "error");
            last.put("usage", usage(r, usage));
            event(call, last);
            event(call, ErrorResponses.body(ErrorResponses.map(failure(r), call.requestId, call.refusalParams)));
            call.response().end();
            return;
        }
        Map<String, Object> usageBody = usage(r, usage);
        Map<String, Object> last = chunk(call, model, Map.of(), finishReason(r.finishReason()));
        if (job.request().includeUsage()) {
            event(call, last);
            Map<String, Object> usageOnly = envelope(call, model, "chat.completion.chunk");
            usageOnly.put("choices", List.of());
            usageOnly.put("usage", usageBody);
            event(call, usageOnly);
        } else {
            last.put("usage", usageBody);
            event(call, last);
        }
        call.response().end(Buffer.buffer(DONE));
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
