package io.sirocco.gateway;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;

/**
 * {@code POST /v1/fim/completions}: code completion between a {@code prompt} and a {@code suffix}, for tiers whose
 * model has fill-in-the-middle tokens (400 naming the model otherwise). Answered, streamed and billed like chat:
 * the reply is a chat completion whose message is the middle.
 */
@ApplicationScoped
public class FimCompletions implements Endpoint<FimCompletions.Checked, ChatCompletions.Work> {
    @Inject
    ChatCompletions chat;

    /** The validated body: its text, and the chat-shaped request that answers it. */
    record Checked(String prompt, String suffix, ChatValidation.Checked reply) {
    }

    private static final Shape SHAPE = new Shape(ModelTier.Kind.CHAT, "prompt");

    @Override
    public Shape shape() {
        return SHAPE;
    }

    @Override
    public Checked validate(byte[] body) {
        FimRequest r = StrictJson.read(body, FimRequest.class);
        ChatValidation.requireModel(r.model());
        if (r.prompt() == null) {
            throw ApiError.invalid("prompt", "prompt is required");
        }
        int minTokens = r.minTokens() == null ? 0 : r.minTokens();
        if (minTokens < 0) {
            throw ApiError.invalid("min_tokens", "min_tokens must be at least 0");
        }
        if (r.maxTokens() != null && r.maxTokens() < Math.max(1, minTokens)) {
            throw ApiError.invalid("max_tokens", "max_tokens must be at least 1 and at least min_tokens");
        }
        if (r.randomSeed() != null && r.randomSeed() < 0) {
            throw ApiError.invalid("random_seed", "random_seed must be a non-negative integer");
        }
        ChatValidation.Checked reply = new ChatValidation.Checked(r.model(),
                new Conversation(List.of(), r.prompt()), ToolSet.NONE, OutputFormat.TEXT,
                ChatValidation.temperature(r.temperature()), ChatValidation.topP(r.topP()), r.maxTokens(),
                ChatValidation.stop(r.stop()), r.randomSeed(), false, Boolean.TRUE.equals(r.stream()),
                r.streamOptions() != null && Boolean.TRUE.equals(r.streamOptions().includeUsage()), 0, 0, 1,
                null, null, null, minTokens);
        return new Checked(r.prompt(), r.suffix() == null ? "" : r.suffix(), reply);
    }

    @Override
    public String model(Checked req) {
        return req.reply().model();
    }

    @Override
    public long promptChars(Checked req) {
        return req.prompt().length() + (long) req.suffix().length();
    }

    /** The model's FIM prompt; a model without fill-in-the-middle tokens is a 400 naming it. */
    @Override
    public ChatCompletions.Work prepare(Checked req, ModelRegistry.Served served) {
        Engine model = served.engine();
        if (!model.supportsFim()) {
            throw new ApiError(400, "invalid_request_error", "fim_not_supported", "model", served.tier().id()
                    + " has no fill-in-the-middle tokens; use a model that lists completion_fim in /v1/models", null);
        }
        int[] prompt;
        try {
            prompt = model.encodeFim(req.prompt(), req.suffix());
        } catch (EngineException e) {
            throw ApiError.invalid("prompt", e.getMessage());
        }
        return ChatCompletions.work(req.reply(), model, prompt);
    }

    @Override
    public void run(Endpoint.Job<Checked, ChatCompletions.Work> job) throws InterruptedException {
        chat.answer(job, job.request().reply());
    }
}
