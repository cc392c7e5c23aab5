package io.sirocco.gateway;

import io.sirocco.billing.RequestTags;
import io.sirocco.billing.UsageEvent;
import io.sirocco.billing.UsageStatus;
import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineException;
import io.sirocco.engine.FinishReason;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.ModelText;
import io.sirocco.engine.TokenListener;
import io.sirocco.engine.TokenLogprobs;
import io.vertx.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code POST /v1/chat/completions}: one JSON answer, or an SSE stream when {@code stream} is true. Each of the
 * {@code n} choices is its own generation (seed + index); all are billed, the prompt once.
 */
@ApplicationScoped
public class ChatCompletions implements Endpoint<ChatValidation.Checked, ChatCompletions.Work> {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    @Inject
    GatewayMetrics metrics;
    @Inject
    GatewayConfig config;

    /**
     * The prompt's tokens and the sampling parameters. {@code maxNewTokens} is what billing reserves: every choice's
     * generation, each at most what the context leaves after the prompt.
     */
    record Work(int[] prompt, int maxNewTokens, GenerationParams params) implements Endpoint.Prepared {
        @Override
        public int promptTokens() {
            return prompt.length;
        }
    }

    private static final Shape SHAPE = new Shape(ModelTier.Kind.CHAT, "messages");

    @Override
    public Shape shape() {
        return SHAPE;
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
        return req.conversation().textChars();
    }

    @Override
    public RequestTags tags(ChatValidation.Checked req) {
        return new RequestTags(req.user(), req.metadata() == null ? null : req.metadata().toString());
    }

    @Override
    public Work prepare(ChatValidation.Checked req, ModelRegistry.Served model) {
        return work(req, model.engine(), ChatPrompt.encode(model.engine(), req));
    }

    @Override
    public void run(Endpoint.Job<ChatValidation.Checked, Work> job) throws InterruptedException {
        answer(job, job.request());
    }

    /**
     * The work of a chat-shaped request whose prompt is encoded. max_tokens defaults to as many as fit the context
     * and the engine's KV-cache pool; an explicit one that could never fit the pool is refused (the engine reserves
     * prompt + max_tokens), and so is a prompt that fills the context.
     */
    static Work work(ChatValidation.Checked req, ModelText model, int[] prompt) {
        int budget = model.info().generationBudget(prompt.length, req.maxTokens() == null ? 0 : req.maxTokens());
        int maxTokens = req.maxTokens() == null ? budget : req.maxTokens();
        int room = model.info().contextLength() - prompt.length;
        GenerationParams params = new GenerationParams((float) req.temperature(), (float) req.topP(),
                maxTokens, req.stop(), req.randomSeed(), (float) req.presencePenalty(),
                (float) req.frequencyPenalty(), req.minTokens(), OutputGrammar.of(req.tools(), req.format()));
        return new Work(prompt, req.n() * Math.min(maxTokens, room), params);
    }

    /** Steps 6–8 of a chat-shaped request (chat or FIM): a queue slot, the n generations, the answer, settlement. */
    void answer(Endpoint.Job<?, Work> job, ChatValidation.Checked req) throws InterruptedException {
        Queue.Slot slot = job.slot();
        if (slot == null) {
            job.settlement().settle(job.prepared().promptTokens(), 0, UsageStatus.ABORTED); // left while waiting
            return;
        }
        try (slot) {
            if (req.stream()) {
                stream(job.call(), job.model(), slot.engine(), req, job.prepared(), job.settlement());
            } else {
                complete(job.call(), job.model(), slot.engine(), req, job.prepared(), job.settlement());
            }
        }
    }

    /** Starts the generation, timing its first token; an engine that refuses it (e.g. no KV-cache room) is a 503. */
    private Generation start(Call call, ModelRegistry.Served model, Engine engine, int[] prompt,
                             GenerationParams params, TokenListener listener) {
        String modelId = model.tier().id();
        AtomicBoolean first = new AtomicBoolean(true);
        TokenListener timed = (id, delta) -> {
            if (first.compareAndSet(true, false) && !call.isBatchLine()) {
                metrics.timeToFirstToken(modelId, System.nanoTime() - call.startNanos);
            }
            listener.onToken(id, delta);
        };
        if (listener instanceof TokenLogprobs.Listener lp) {
            timed = withLogprobs(timed, lp);
        }
        try {
            return engine.generate(prompt, params, timed);
        } catch (EngineException e) {
            throw ApiError.unavailable("engine_busy", model.tier().id() + " cannot take the request now: "
                    + e.getMessage(), 1);
        }
    }

    private static TokenLogprobs.Listener withLogprobs(TokenListener tokens, TokenLogprobs.Listener logprobs) {
        return new TokenLogprobs.Listener() {
            @Override
            public int topLogprobs() {
                return logprobs.topLogprobs();
            }

            @Override
            public void onLogprobs(TokenLogprobs lp) {
                logprobs.onLogprobs(lp);
            }

            @Override
            public void onToken(int tokenId, String textDelta) {
                tokens.onToken(tokenId, textDelta);
            }
        };
    }

    /** A listener of one choice: its text deltas go to {@code onText}; its log-probabilities to the choice, if asked. */
    private static TokenListener listener(ChatValidation.Checked req, ChoiceOutput out, TokenListener onText) {
        if (req.topLogprobs() == null) {
            return onText;
        }
        return withLogprobs(onText, new TokenLogprobs.Listener() {
            @Override
            public int topLogprobs() {
                return req.topLogprobs();
            }

            @Override
            public void onLogprobs(TokenLogprobs lp) {
                out.logprobs(lp);
            }

            @Override
            public void onToken(int tokenId, String textDelta) {
            }
        });
    }

    /** Starts the request's n choices: choice i samples with seed + i (a random seed when none was given). */
    private List<Generation> startAll(Call call, ModelRegistry.Served model, Engine engine, ChatValidation.Checked req,
                                      Work work, List<TokenListener> listeners) {
        GenerationParams params = work.params();
        List<Generation> gens = new ArrayList<>(req.n());
        try {
            for (int i = 0; i < req.n(); i++) {
                GenerationParams p = i == 0 || params.randomSeed() == null ? params
                        : params.withSeed(params.randomSeed() + i);
                Generation g = start(call, model, engine, work.prompt(), p, listeners.get(i));
                gens.add(g);
                call.onClientGone(g::cancel);
            }
        } catch (RuntimeException e) {
            gens.forEach(Generation::cancel);
            throw e;
        }
        return gens;
    }

    /** The choices' results, and their sum as one result for billing (the prompt counted once). */
    private static GenerationResult total(List<GenerationResult> results) {
        int completion = 0;
        GenerationResult worst = results.getFirst();
        for (GenerationResult r : results) {
            completion += r.completionTokens();
            if (r.finishReason() == FinishReason.ERROR
                    || r.finishReason() == FinishReason.CANCELLED && worst.finishReason() != FinishReason.ERROR) {
                worst = r;
            }
        }
        return new GenerationResult(worst.promptTokens(), completion, worst.finishReason(), worst.text(), worst.error(),
                results.getFirst().cachedTokens());
    }

    private void complete(Call call, ModelRegistry.Served model, Engine engine, ChatValidation.Checked req, Work work,
                          Settlement settlement) {
        List<ChoiceOutput> outputs = new ArrayList<>();
        List<TokenListener> listeners = new ArrayList<>();
        for (int i = 0; i < req.n(); i++) {
            ChoiceOutput out = new ChoiceOutput(i, req.tools(), req.stripLeadingSpace());
            outputs.add(out);
            listeners.add(listener(req, out, (id, delta) -> {
            }));
        }
        List<GenerationResult> results = startAll(call, model, engine, req, work, listeners).stream()
                .map(g -> g.result().join()).toList();
        GenerationResult r = total(results);
        if (r.finishReason() == FinishReason.ERROR) { // the client gets an error, not the tokens: it pays for none
            settlement.settle(r.promptTokens(), r.cachedTokens(), 0, UsageStatus.FAILED);
            if (!call.isClientGone()) {
                throw failure(r);
            }
            return;
        }
        UsageEvent usage = settle(call, settlement, r);
        if (r.finishReason() == FinishReason.CANCELLED || call.isClientGone()) {
            return;
        }
        List<Map<String, Object>> choices = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            ChoiceOutput out = outputs.get(i);
            String streamed = out.next(results.get(i).text());
            ChoiceOutput.Reply reply = out.finish(results.get(i));
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", i);
            choice.put("message", ChoiceOutput.message(reply.calls().isEmpty() ? streamed + reply.content() : "", reply));
            choice.put("finish_reason", reply.finishReason());
            if (req.topLogprobs() != null) {
                Map<String, Object> lp = out.drainLogprobs();
                choice.put("logprobs", lp != null ? lp : Map.of("content", List.of()));
            }
            choices.add(choice);
        }
        Map<String, Object> out = envelope(call, model.tier().id(), "chat.completion");
        out.put("choices", choices);
        out.put("usage", usage(r, null));
        call.reply().header("x-sirocco-cost-eur", usage.costEur().toPlainString());
        call.json(200, out);
    }

    /**
     * SSE. The tokens go through the reply's {@link TokenStream}: the engine only appends them there, and this thread
     * frames and writes them, so a slow client holds back only its own sequences.
     */
    private void stream(Call call, ModelRegistry.Served model, Engine engine, ChatValidation.Checked req, Work work,
                        Settlement settlement) throws InterruptedException {
        call.rateLimitHeaders();
        call.response().setStatusCode(200).setChunked(true)
                .putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache")
                .putHeader("x-accel-buffering", "no");
        TokenStream tokens = new TokenStream(config.stream().bufferTokens(), config.stream().stallTimeout(),
                metrics.bufferedTokens());
        List<ChoiceOutput> outputs = new ArrayList<>();
        List<TokenListener> listeners = new ArrayList<>();
        for (int i = 0; i < req.n(); i++) {
            Map<String, Object> roleDelta = new LinkedHashMap<>();
            roleDelta.put("role", "assistant");
            roleDelta.put("content", "");
            event(call, chunk(call, model.tier().id(), i, roleDelta, null));
            outputs.add(new ChoiceOutput(i, req.tools(), req.stripLeadingSpace()));
            listeners.add(tokens.listener(i, req.topLogprobs()));
        }
        List<Generation> gens = startAll(call, model, engine, req, work, listeners);
        tokens.attach(gens);
        tokens.deliver(call, (token, frames) -> {
            ChoiceOutput out = outputs.get(token.choice());
            if (token.logprobs() != null) {
                out.logprobs(token.logprobs());
            }
            String delta = out.next(token.delta());
            if (!delta.isEmpty()) {
                frame(frames, withLogprobs(chunk(call, model.tier().id(), out.index, Map.of("content", delta), null),
                        out));
            }
        });
        List<GenerationResult> results = gens.stream().map(g -> g.result().join()).toList();
        GenerationResult r = total(results);
        if (tokens.stalled()) { // the client stopped reading: it pays for what it was sent, and is cut off
            metrics.streamStalled(model.tier().id());
            settlement.settle(r.promptTokens(), r.cachedTokens(), Math.min(tokens.delivered(), r.completionTokens()),
                    UsageStatus.ABORTED);
            call.response().reset();
            return;
        }
        UsageEvent usage = settle(call, settlement, r);
        if (r.finishReason() == FinishReason.CANCELLED || call.isClientGone()) {
            return;
        }
        if (r.finishReason() == FinishReason.ERROR) {
            // An error chunk (finish_reason "error", usage = what was streamed and billed), then the error body.
            Map<String, Object> last = chunk(call, model.tier().id(), 0, Map.of(), "error");
            last.put("usage", usage(r, usage));
            event(call, last);
            event(call, ErrorResponses.body(ErrorResponses.map(failure(r), call.requestId)));
            call.response().end();
            return;
        }
        Map<String, Object> last = null;
        for (int i = 0; i < results.size(); i++) {
            ChoiceOutput.Reply reply = outputs.get(i).finish(results.get(i));
            if (!reply.calls().isEmpty()) {
                event(call, chunk(call, model.tier().id(), i, Map.of("tool_calls", ToolCalls.json(reply.calls())), null));
            } else if (!reply.content().isEmpty()) {
                event(call, withLogprobs(chunk(call, model.tier().id(), i, Map.of("content", reply.content()), null),
                        outputs.get(i)));
            }
            if (last != null) {
                event(call, last);
            }
            last = withLogprobs(chunk(call, model.tier().id(), i, Map.of(), reply.finishReason()), outputs.get(i));
        }
        Map<String, Object> usageBody = usage(r, usage);
        if (req.includeUsage()) {
            event(call, last);
            Map<String, Object> usageOnly = envelope(call, model.tier().id(), "chat.completion.chunk");
            usageOnly.put("choices", List.of());
            usageOnly.put("usage", usageBody);
            event(call, usageOnly);
        } else {
            last.put("usage", usageBody);
            event(call, last);
        }
        call.response().end(Buffer.buffer(DONE));
    }

    /** A failed generation as an engine failure for the error mapper. */
    private static EngineException failure(GenerationResult r) {
        return r.error() instanceof EngineException e ? e
                : new EngineException(EngineException.Kind.FAILED, "generation failed", r.error());
    }

    private UsageEvent settle(Call call, Settlement settlement, GenerationResult r) {
        UsageStatus status = switch (r.finishReason()) {
            case STOP, LENGTH, MODEL_LENGTH -> call.isClientGone() ? UsageStatus.ABORTED : UsageStatus.COMPLETED;
            case CANCELLED -> UsageStatus.ABORTED;
            case ERROR -> UsageStatus.FAILED;
        };
        return settlement.settle(r.promptTokens(), r.cachedTokens(), r.completionTokens(), status);
    }

    /** Writes one SSE event. */
    private static void event(Call call, Object json) {
        Buffer b = Buffer.buffer();
        frame(b, json);
        call.response().write(b);
    }

    /** Appends one SSE event: {@code data: {json}\n\n}, exactly. */
    static void frame(Buffer out, Object json) {
        out.appendString("data: ").appendBytes(StrictJson.write(json)).appendString("\n\n");
    }

    private static Map<String, Object> envelope(Call call, String model, String object) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", "cmpl-" + call.requestId);
        out.put("object", object);
        out.put("created", call.createdEpochSeconds());
        out.put("model", model);
        return out;
    }

    private static Map<String, Object> chunk(Call call, String model, int index, Map<String, Object> delta,
                                             String finish) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", index);
        choice.put("delta", delta);
        choice.put("finish_reason", finish);
        Map<String, Object> out = envelope(call, model, "chat.completion.chunk");
        out.put("choices", List.of(choice));
        return out;
    }

    /** Puts the choice's log-probabilities not yet sent on a chunk (when there are any). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> withLogprobs(Map<String, Object> chunk, ChoiceOutput out) {
        Map<String, Object> lp = out.drainLogprobs();
        if (lp != null) {
            ((List<Map<String, Object>>) chunk.get("choices")).getFirst().put("logprobs", lp);
        }
        return chunk;
    }

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
