package io.sirocco.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.engine.ChatMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Checks a chat request's values (422 naming the field) and turns it into engine terms. */
final class ChatValidation {
    static final double MAX_TEMPERATURE = 1.5;
    static final double DEFAULT_TEMPERATURE = 0.7;
    static final int MAX_STOP_STRINGS = 4;
    static final int MAX_MESSAGES = 1024;
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    /** A validated chat request; {@code maxTokens} is null when the caller left it to the context length. */
    record Checked(String model, List<ChatMessage> messages, double temperature, double topP, Integer maxTokens,
                   List<String> stop, Long randomSeed, boolean safePrompt, boolean stream, boolean includeUsage) {
    }

    private ChatValidation() {
    }

    static Checked check(ChatRequest r) {
        String model = requireModel(r.model());
        if (r.messages() == null) {
            throw ApiError.invalid("messages", "messages is required");
        }
        if (r.messages().isEmpty()) {
            throw ApiError.invalid("messages", "messages must not be empty");
        }
        if (r.messages().size() > MAX_MESSAGES) {
            throw ApiError.invalid("messages", "at most " + MAX_MESSAGES + " messages are allowed");
        }
        List<ChatMessage> messages = new ArrayList<>(r.messages().size());
        for (int i = 0; i < r.messages().size(); i++) {
            messages.add(message(r.messages().get(i), "messages[" + i + "]"));
        }
        double temperature = r.temperature() == null ? DEFAULT_TEMPERATURE : r.temperature();
        if (!(temperature >= 0 && temperature <= MAX_TEMPERATURE)) {
            throw ApiError.invalid("temperature", "temperature must be between 0 and " + MAX_TEMPERATURE);
        }
        double topP = r.topP() == null ? 1.0 : r.topP();
        if (!(topP > 0 && topP <= 1)) {
            throw ApiError.invalid("top_p", "top_p must be greater than 0 and at most 1");
        }
        if (r.maxTokens() != null && r.maxTokens() < 1) {
            throw ApiError.invalid("max_tokens", "max_tokens must be at least 1");
        }
        if (r.randomSeed() != null && r.randomSeed() < 0) {
            throw ApiError.invalid("random_seed", "random_seed must be a non-negative integer");
        }
        return new Checked(model, messages, temperature, topP, r.maxTokens(), stop(r.stop()), r.randomSeed(),
                Boolean.TRUE.equals(r.safePrompt()), r.streaming(), r.includeUsage());
    }

    static String requireModel(String model) {
        if (model == null || model.isBlank()) {
            throw ApiError.invalid("model", "model is required");
        }
        return model;
    }

    private static ChatMessage message(ChatRequest.Message m, String at) {
        if (m == null) {
            throw ApiError.invalid(at, at + " must be an object");
        }
        if (m.role() == null || !ROLES.contains(m.role())) {
            throw ApiError.invalid(at + ".role", at + ".role must be one of system, user, assistant");
        }
        if (Boolean.TRUE.equals(m.prefix())) {
            throw ApiError.invalid(at + ".prefix", "assistant prefix messages are not supported");
        }
        String content = content(m.content(), at + ".content");
        if (content.isEmpty() && !"assistant".equals(m.role())) {
            throw ApiError.invalid(at + ".content", at + ".content must not be empty");
        }
        return new ChatMessage(m.role(), content);
    }

    /** A string, or text parts joined; anything else is a 422. */
    private static String content(JsonNode c, String at) {
        if (c == null || c.isNull()) {
            return "";
        }
        if (c.isTextual()) {
            return c.textValue();
        }
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (!part.isObject() || !"text".equals(part.path("type").asText(null))
                        || !part.path("text").isTextual() || part.size() != 2) {
                    throw ApiError.invalid(at, at + " parts must be {\"type\":\"text\",\"text\":\"…\"}");
                }
                sb.append(part.get("text").textValue());
            }
            return sb.toString();
        }
        throw ApiError.invalid(at, at + " must be a string");
    }

    private static List<String> stop(JsonNode stop) {
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
