package io.sirocco.gateway;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** Checks a chat request's values (422 naming the field) and gathers them for the handler. */
final class ChatValidation {
    static final double MAX_TEMPERATURE = 1.5;
    static final double DEFAULT_TEMPERATURE = 0.7;
    static final int MAX_STOP_STRINGS = 4;
    static final double MAX_PENALTY = 2.0;
    static final int MAX_CHOICES = 8;
    static final int MAX_TOP_LOGPROBS = 20;
    static final int MAX_USER_CHARS = 256;
    static final int MAX_METADATA_KEYS = 16;

    /**
     * A validated chat request; {@code maxTokens} is null when the caller left it to the context length,
     * {@code topLogprobs} is null when no logprobs were asked for.
     */
    record Checked(String model, Conversation conversation, ToolSet tools, OutputFormat format, double temperature,
                   double topP, Integer maxTokens, List<String> stop, Long randomSeed, boolean safePrompt,
                   boolean stream, boolean includeUsage, double presencePenalty, double frequencyPenalty, int n,
                   String user, JsonNode metadata, Integer topLogprobs, int minTokens) {
        /** Mistral drops the first piece's space from a reply, not from text that continues a prefix or a FIM prompt. */
        boolean stripLeadingSpace() {
            return conversation.prefix() == null;
        }
    }

    private ChatValidation() {
    }

    static Checked check(ChatRequest r) {
        String model = requireModel(r.model());
        Conversation conversation = Conversation.check(r.messages());
        ToolSet tools = ToolSet.check(r.tools(), r.toolChoice(), r.parallelToolCalls());
        OutputFormat format = OutputFormat.check(r.responseFormat());
        double temperature = temperature(r.temperature());
        double topP = topP(r.topP());
        Integer maxTokens = alias(r.maxTokens(), "max_tokens", r.maxCompletionTokens(), "max_completion_tokens");
        if (maxTokens != null && maxTokens < 1) {
            throw ApiError.invalid(r.maxTokens() != null ? "max_tokens" : "max_completion_tokens",
                    (r.maxTokens() != null ? "max_tokens" : "max_completion_tokens") + " must be at least 1");
        }
        Long seed = alias(r.randomSeed(), "random_seed", r.seed(), "seed");
        if (seed != null && seed < 0) {
            throw ApiError.invalid(r.randomSeed() != null ? "random_seed" : "seed",
                    (r.randomSeed() != null ? "random_seed" : "seed") + " must be a non-negative integer");
        }
        if (r.promptMode() != null && !r.promptMode().equals("reasoning")) {
            throw ApiError.invalid("prompt_mode", "prompt_mode must be reasoning or null");
        }
        int n = r.n() == null ? 1 : r.n();
        if (n < 1 || n > MAX_CHOICES) {
            throw ApiError.invalid("n", "n must be between 1 and " + MAX_CHOICES);
        }
        return new Checked(model, conversation, tools, format, temperature, topP, maxTokens, stop(r.stop()), seed,
                Boolean.TRUE.equals(r.safePrompt()), r.streaming(), r.includeUsage(),
                penalty(r.presencePenalty(), "presence_penalty"), penalty(r.frequencyPenalty(), "frequency_penalty"),
                n, user(r.user()), metadata(r.metadata()), topLogprobs(r.logprobs(), r.topLogprobs()), 0);
    }

    static double temperature(Double t) {
        double temperature = t == null ? DEFAULT_TEMPERATURE : t;
        if (!(temperature >= 0 && temperature <= MAX_TEMPERATURE)) {
            throw ApiError.invalid("temperature", "temperature must be between 0 and " + MAX_TEMPERATURE);
        }
        return temperature;
    }

    static double topP(Double p) {
        double topP = p == null ? 1.0 : p;
        if (!(topP > 0 && topP <= 1)) {
            throw ApiError.invalid("top_p", "top_p must be greater than 0 and at most 1");
        }
        return topP;
    }

    static String requireModel(String model) {
        if (model == null || model.isBlank()) {
            throw ApiError.invalid("model", "model is required");
        }
        return model;
    }

    /** One value under either of two names; both given and different is a 422. */
    private static <T> T alias(T a, String aName, T b, String bName) {
        if (a != null && b != null && !a.equals(b)) {
            throw ApiError.invalid(bName, bName + " and " + aName + " are the same setting; give one of them");
        }
        return a != null ? a : b;
    }

    private static double penalty(Double p, String param) {
        if (p == null) {
            return 0;
        }
        if (!(p >= -MAX_PENALTY && p <= MAX_PENALTY)) {
            throw ApiError.invalid(param, param + " must be between -2 and 2");
        }
        return p;
    }

    private static String user(String user) {
        if (user != null && user.length() > MAX_USER_CHARS) {
            throw ApiError.invalid("user", "user must be at most " + MAX_USER_CHARS + " characters");
        }
        return user;
    }

    /** OpenAI's shape: up to 16 string keys (64 chars) with string values (512 chars). */
    private static JsonNode metadata(JsonNode m) {
        if (m == null || m.isNull()) {
            return null;
        }
        if (!m.isObject() || m.size() > MAX_METADATA_KEYS) {
            throw ApiError.invalid("metadata", "metadata must be an object of at most " + MAX_METADATA_KEYS
                    + " string values");
        }
        m.properties().forEach(e -> {
            if (e.getKey().length() > 64 || !e.getValue().isTextual() || e.getValue().textValue().length() > 512) {
                throw ApiError.invalid("metadata." + e.getKey(), "metadata keys are at most 64 characters and "
                        + "values strings of at most 512");
            }
        });
        return m;
    }

    /** null when logprobs are off; else how many alternatives to list per token (0..20). */
    private static Integer topLogprobs(Boolean logprobs, Integer top) {
        if (top != null && (top < 0 || top > MAX_TOP_LOGPROBS)) {
            throw ApiError.invalid("top_logprobs", "top_logprobs must be between 0 and " + MAX_TOP_LOGPROBS);
        }
        if (!Boolean.TRUE.equals(logprobs)) {
            if (top != null && top > 0) {
                throw ApiError.invalid("top_logprobs", "top_logprobs needs logprobs: true");
            }
            return null;
        }
        return top == null ? 0 : top;
    }

    static List<String> stop(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            if (stop.textValue().isEmpty()) {
                throw ApiError.invalid("stop", "stop strings must not be empty");
            }
            return List.of(stop.textValue());
        }
        if (stop.isArray() && stop.size() <= MAX_STOP_STRINGS) {
            List<String> out = new ArrayList<>();
            for (JsonNode s : stop) {
                if (!s.isTextual() || s.textValue().isEmpty()) {
                    throw ApiError.invalid("stop", "stop must be a string or a list of non-empty strings");
                }
                out.add(s.textValue());
            }
            return out;
        }
        throw ApiError.invalid("stop", "stop must be a string or a list of at most " + MAX_STOP_STRINGS + " strings");
    }
}
