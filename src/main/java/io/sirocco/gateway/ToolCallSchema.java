package io.sirocco.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.Map;

/**
 * The JSON Schema of a reply that is tool calls: an array of {@code {"name": <a callable tool>, "arguments": <that
 * tool's parameters>}}, one item unless parallel calls are allowed. Each tool's {@code $defs} move to the top
 * level under {@code <tool>.<name>}, and its {@code $ref}s follow them.
 */
final class ToolCallSchema {
    private ToolCallSchema() {
    }

    static ObjectNode of(ToolSet tools) {
        ObjectNode schema = StrictJson.WRITER.createObjectNode();
        schema.put("type", "array");
        schema.put("minItems", 1);
        schema.put("maxItems", tools.parallel() && tools.choice() != ToolSet.Choice.NAMED ? ToolSet.MAX_PARALLEL_CALLS : 1);
        ObjectNode defs = StrictJson.WRITER.createObjectNode();
        ArrayNode options = StrictJson.WRITER.createArrayNode();
        for (ToolSet.Tool t : tools.callable()) {
            ObjectNode call = options.addObject();
            call.put("type", "object");
            ObjectNode props = call.putObject("properties");
            props.putObject("name").put("const", t.name());
            props.set("arguments", hoist(t.name(), t.parameters(), defs));
            call.putArray("required").add("name").add("arguments");
            call.put("additionalProperties", false);
        }
        if (options.size() == 1) {
            schema.set("items", options.get(0));
        } else {
            schema.putObject("items").set("anyOf", options);
        }
        if (!defs.isEmpty()) {
            schema.set("$defs", defs);
        }
        return schema;
    }

    /** A copy of a tool's parameters without its $defs (moved into {@code defs}) and with its refs renamed. */
    private static JsonNode hoist(String tool, JsonNode params, ObjectNode defs) {
        ObjectNode copy = (ObjectNode) rename(tool, params);
        for (String section : new String[]{"$defs", "definitions"}) {
            JsonNode local = copy.remove(section);
            if (local != null) {
                local.properties().forEach(e -> defs.set(tool + "." + e.getKey(), e.getValue()));
            }
        }
        return copy;
    }

    private static JsonNode rename(String tool, JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = StrictJson.WRITER.createObjectNode();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                JsonNode v = e.getValue();
                if (e.getKey().equals("$ref") && v.isTextual()) {
                    out.set("$ref", new TextNode(v.textValue()
                            .replaceFirst("^#/(\\$defs|definitions)/", "#/\\$defs/" + tool + ".")));
                } else {
                    out.set(e.getKey(), rename(tool, v));
                }
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = StrictJson.WRITER.createArrayNode();
            node.forEach(item -> out.add(rename(tool, item)));
            return out;
        }
        return node;
    }
}
