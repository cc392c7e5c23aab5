package io.sirocco.gateway;

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
public class FimCompletions {
    @Inject
    Pipeline pipeline;
    @Inject
    ChatCompletions chat;

    void handle(Call call, byte[] body) throws InterruptedException {
        call.refusalParams = kind -> kind == EngineException.Kind.KV_EXCEEDED ? "max_tokens" : "prompt";
        pipeline.authenticate(call);
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
        ChatValidation.Checked req = new ChatValidation.Checked(r.model(),
                new Conversation(List.of(), r.prompt()), ToolSet.NONE, OutputFormat.TEXT,
                ChatValidation.temperature(r.temperature()), ChatValidation.topP(r.topP()), r.maxTokens(),
                ChatValidation.stop(r.stop()), r.randomSeed(), false, Boolean.TRUE.equals(r.stream()),
                r.streamOptions() != null && Boolean.TRUE.equals(r.streamOptions().includeUsage()), 0, 0, 1,
                null, null, null, minTokens);
        ModelRegistry.Served model = pipeline.resolve(call, r.model(), ModelTier.Kind.CHAT);
        if (!model.engine().supportsFim()) {
            throw new ApiError(400, "invalid_request_error", "fim_not_supported", "model", model.tier().id()
                    + " has no fill-in-the-middle tokens; use a model that lists completion_fim in /v1/models", null);
        }
        pipeline.countRequest(call);
        model.engine().info().checkTextLength(r.prompt().length() + (r.suffix() == null ? 0 : (long) r.suffix().length()));
        int[] prompt;
        try {
            prompt = model.engine().encodeFim(r.prompt(), r.suffix() == null ? "" : r.suffix());
        } catch (EngineException e) {
            throw ApiError.invalid("prompt", e.getMessage());
        }
        chat.run(call, model, req, prompt);
    }
}
