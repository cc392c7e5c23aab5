package io.sirocco.gateway;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A request's validated {@code response_format}: free text, any JSON object, or JSON valid against a schema.
 *
 * @param schema the JSON Schema when {@code kind} is {@link Kind#JSON_SCHEMA}, else null
 */
record OutputFormat(Kind kind, String name, JsonNode schema, boolean strict) {
    enum Kind { TEXT, JSON_OBJECT, JSON_SCHEMA }

    static final OutputFormat TEXT = new OutputFormat(Kind.TEXT, null, null, false);

    static OutputFormat check(ChatRequest.ResponseFormat f) {
        if (f == null || f.type() == null && f.jsonSchema() == null) {
            return TEXT;
        }
        String type = f.type() == null ? "" : f.type();
        if (!type.equals("json_schema") && f.jsonSchema() != null) {
            throw ApiError.invalid("response_format.json_schema", "json_schema goes with type json_schema");
        }
        return switch (type) {
            case "text" -> TEXT;
            case "json_object" -> new OutputFormat(Kind.JSON_OBJECT, null, null, false);
            case "json_schema" -> schema(f.jsonSchema());
            default -> throw ApiError.invalid("response_format.type",
                    "response_format.type must be text, json_object or json_schema");
        };
    }

    private static OutputFormat schema(ChatRequest.JsonSchemaFormat s) {
        if (s == null) {
            throw ApiError.invalid("response_format.json_schema", "response_format.json_schema is required");
        }
        if (s.name() != null && !s.name().matches("[a-zA-Z0-9_-]{1,64}")) {
            throw ApiError.invalid("response_format.json_schema.name",
                    "response_format.json_schema.name must be 1 to 64 letters, digits, underscores or dashes");
        }
        SchemaLimits.check(s.schema(), "response_format.json_schema.schema");
        return new OutputFormat(Kind.JSON_SCHEMA, s.name(), s.schema(), Boolean.TRUE.equals(s.strict()));
    }
}
