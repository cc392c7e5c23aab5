package io.sirocco.gateway;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/** The body of {@code POST /v1/embeddings}: {@code input} is a string or a list of strings. */
public record EmbeddingRequest(String model, JsonNode input, @JsonProperty("encoding_format") String encodingFormat) {
}
