package io.sirocco.gateway;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * The body of {@code POST /v1/chat/completions}, as sent in Mistral's or OpenAI's shape; {@link ChatValidation}
 * checks the values. Fields both APIs name differently are both accepted ({@code seed}/{@code random_seed},
 * {@code max_completion_tokens}/{@code max_tokens}); any other field is a 422.
 */
public record ChatRequest(
        String model,
        List<Message> messages,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        @JsonProperty("max_tokens") Integer maxTokens,
        @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
        Boolean stream,
        JsonNode stop,
        @JsonProperty("random_seed") Long randomSeed,
        Long seed,
        @JsonProperty("safe_prompt") Boolean safePrompt,
        @JsonProperty("prompt_mode") String promptMode,
        @JsonProperty("stream_options") StreamOptions streamOptions,
        List<Tool> tools,
        @JsonProperty("tool_choice") JsonNode toolChoice,
        @JsonProperty("parallel_tool_calls") Boolean parallelToolCalls,
        @JsonProperty("response_format") ResponseFormat responseFormat,
        @JsonProperty("presence_penalty") Double presencePenalty,
        @JsonProperty("frequency_penalty") Double frequencyPenalty,
        Integer n,
        String user,
        JsonNode metadata,
        Boolean logprobs,
        @JsonProperty("top_logprobs") Integer topLogprobs) {

    /**
     * One message. {@code content} is a string or a list of {@code {"type":"text","text":…}} parts; an assistant
     * message may carry {@code tool_calls} (then content may be empty) or {@code prefix: true} (Mistral: the reply
     * continues it); a {@code tool} message answers the call {@code tool_call_id} (its function {@code name}).
     */
    public record Message(String role, JsonNode content, String name, Boolean prefix,
                          @JsonProperty("tool_calls") List<ToolCall> toolCalls,
                          @JsonProperty("tool_call_id") String toolCallId) {
    }

    /** A call the assistant made: arguments are a JSON string (OpenAI) or an object (Mistral accepts both). */
    public record ToolCall(String id, String type, FunctionCall function, Integer index) {
    }

    public record FunctionCall(String name, JsonNode arguments) {
    }

    /** {@code {"type":"function","function":{name, description, parameters, strict}}}. */
    public record Tool(String type, Function function) {
    }

    public record Function(String name, String description, JsonNode parameters, Boolean strict) {
    }

    /** {@code text}, {@code json_object}, or {@code json_schema} with its {@link JsonSchemaFormat}. */
    public record ResponseFormat(String type, @JsonProperty("json_schema") JsonSchemaFormat jsonSchema) {
    }

    public record JsonSchemaFormat(String name, String description, JsonNode schema, Boolean strict) {
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
