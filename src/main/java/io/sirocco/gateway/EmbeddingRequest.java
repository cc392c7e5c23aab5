package io.sirocco.gateway;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The body of {@code POST /v1/embeddings}: {@code input} is a string or a list of strings. The vector length is
 * {@code output_dimension} (Mistral) or {@code dimensions} (OpenAI); its number type {@code output_dtype}; its
 * encoding {@code encoding_format} (a JSON list, or base64 of the little-endian values).
 */
public record EmbeddingRequest(String model, JsonNode input, @JsonProperty("encoding_format") String encodingFormat,
                               @JsonProperty("output_dtype") String outputDtype,
                               @JsonProperty("output_dimension") Integer outputDimension, Integer dimensions,
                               String user) {
}
