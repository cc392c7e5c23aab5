package io.sirocco.gateway;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/** The body of {@code POST /v1/fim/completions} (Mistral's fill-in-the-middle): the model writes between prompt and suffix. */
public record FimRequest(
        String model,
        String prompt,
        String suffix,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        @JsonProperty("max_tokens") Integer maxTokens,
        @JsonProperty("min_tokens") Integer minTokens,
        Boolean stream,
        JsonNode stop,
        @JsonProperty("random_seed") Long randomSeed,
        @JsonProperty("stream_options") ChatRequest.StreamOptions streamOptions) {
}
