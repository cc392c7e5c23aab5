package io.sirocco.gateway;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;

import io.sirocco.http.JsonProblems;
import io.sirocco.http.Utf8Text;

import java.io.IOException;

/**
 * Request bodies, read strictly (as Mistral does): malformed JSON is a 400; unknown fields, wrong types and
 * coercions (a number for a string, "1" for an integer, 1.5 for an integer) are 422 naming the field.
 */
public final class StrictJson {
    static final int MAX_NESTING = 64;

    private static final ObjectMapper READER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    /** Plain writer for responses. */
    public static final ObjectMapper WRITER = JsonMapper.builder().build();

    static {
        READER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING).maxNumberLength(100).maxStringLength(8 * 1024 * 1024).build());
        for (LogicalType t : new LogicalType[]{LogicalType.Textual, LogicalType.Boolean, LogicalType.Integer,
                LogicalType.Float}) {
            READER.coercionConfigFor(t)
                    .setCoercion(CoercionInputShape.Integer, t == LogicalType.Integer || t == LogicalType.Float
                            ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, t == LogicalType.Float
                            ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, t == LogicalType.Boolean
                            ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, t == LogicalType.Textual
                            ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, t == LogicalType.Textual
                            ? CoercionAction.TryConvert : CoercionAction.Fail);
        }
    }

    private StrictJson() {
    }

    /** Parses a body into {@code type}: 400 when it is not UTF-8 or not JSON, 422 when it does not fit. */
    public static <T> T read(byte[] body, Class<T> type) {
        String notUtf8 = Utf8Text.problem(body);
        if (notUtf8 != null) {
            throw ApiError.malformed(notUtf8);
        }
        JsonNode tree;
        try {
            tree = READER.readTree(body);
        } catch (JacksonException e) {
            throw ApiError.malformed(JsonProblems.of(e).message());
        } catch (IOException e) {
            throw ApiError.malformed("the body could not be read");
        }
        if (tree == null || tree.isMissingNode()) {
            throw ApiError.malformed("the body is empty; a JSON object is required");
        }
        if (!tree.isObject()) {
            throw ApiError.invalid(null, "the body must be a JSON object");
        }
        try {
            return READER.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            throw ApiError.unknownField(path(e));
        } catch (JsonMappingException e) {
            String param = path(e);
            throw ApiError.invalid(param, (param == null ? "the body" : param) + " has an invalid type or value");
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw ApiError.invalid(null, "the body does not match the request schema");
        }
    }

    /** The JSON path of a mapping failure, e.g. {@code messages[0].role}. */
    static String path(JsonMappingException e) {
        return JsonProblems.path(e);
    }

    public static byte[] write(Object value) {
        try {
            return WRITER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response not serialisable", e);
        }
    }
}
