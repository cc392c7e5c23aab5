package io.sirocco.gateway;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** The body of {@code POST /v1/chat/completions}, as sent; {@link ChatValidation} checks the values. */
public record ChatRequest(
        String model,
        List<Message> messages,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        @JsonProperty("max_tokens") Integer maxTokens,
        Boolean stream,
        JsonNode stop,
        @JsonProperty("random_seed") Long randomSeed,
        @JsonProperty("safe_prompt") Boolean safePrompt,
        @JsonProperty("stream_options") StreamOptions streamOptions) {

    /** One message; {@code content} is a string or a list of {@code {"type":"text","text":…}} parts. */
    public record Message(String role, JsonNode content, String name, Boolean prefix) {
    }

    public record StreamOptions(@JsonProperty("include_usage") Boolean includeUsage) {
    }

    boolean streaming() {
        return Boolean.TRUE.equals(stream);
    }

    boolean includeUsage() {
        return streamOptions != null && Boolean.TRUE.equals(streamOptions.includeUsage());
    }
}
