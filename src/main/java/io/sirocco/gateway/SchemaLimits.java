package io.sirocco.gateway;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The bounds a JSON Schema from a request must keep before it is compiled for constrained decoding: at most
 * {@link #MAX_BYTES} serialised and {@link #MAX_NODES} JSON nodes, and {@code $ref}s only to this schema's own
 * {@code $defs}/{@code definitions}, never recursive (a recursive schema has no finite grammar here).
 */
final class SchemaLimits {
    static final int MAX_BYTES = 64 * 1024;
    static final int MAX_NODES = 1000;

    private SchemaLimits() {
    }

    /** 422 naming {@code param} when {@code schema} is not an object or breaks a bound. */
    static void check(JsonNode schema, String param) {
        if (schema == null || !schema.isObject()) {
            throw ApiError.invalid(param, param + " must be a JSON Schema object");
        }
        if (StrictJson.write(schema).length > MAX_BYTES) {
            throw ApiError.invalid(param, param + " is larger than " + MAX_BYTES / 1024 + " KiB");
        }
        int nodes = count(schema);
        if (nodes > MAX_NODES) {
            throw ApiError.invalid(param, param + " has " + nodes + " nodes; at most " + MAX_NODES + " are allowed");
        }
        Map<String, JsonNode> defs = new HashMap<>();
        for (String section : new String[]{"$defs", "definitions"}) {
            schema.path(section).properties().forEach(e -> defs.put("#/" + section + "/" + e.getKey(), e.getValue()));
        }
        checkRefs(schema, defs, new HashSet<>(), new HashSet<>(), param);
    }

    private static int count(JsonNode root) {
        int n = 0;
        Deque<JsonNode> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            JsonNode node = todo.pop();
            n++;
            node.forEach(todo::push);
        }
        return n;
    }

    /** Walks {@code node}; entering a definition already on the path means the schema is recursive. */
    private static void checkRefs(JsonNode node, Map<String, JsonNode> defs, Set<String> path, Set<String> done,
                                  String param) {
        if (node.isObject() && node.has("$ref")) {
            JsonNode ref = node.get("$ref");
            if (!ref.isTextual() || !defs.containsKey(ref.textValue())) {
                throw ApiError.invalid(param, param + ": $ref " + ref + " must point into the schema's own $defs");
            }
            if (!done.contains(ref.textValue())) { // a shared definition is walked once
                if (!path.add(ref.textValue())) {
                    throw ApiError.invalid(param, param + ": $ref " + ref.textValue() + " is recursive; recursive "
                            + "schemas are not supported");
                }
                checkRefs(defs.get(ref.textValue()), defs, path, done, param);
                path.remove(ref.textValue());
                done.add(ref.textValue());
            }
        }
        Iterator<Map.Entry<String, JsonNode>> fields = node.isObject() ? node.properties().iterator() : null;
        if (fields != null) {
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (!f.getKey().equals("$defs") && !f.getKey().equals("definitions") && f.getValue().isContainerNode()) {
                    checkRefs(f.getValue(), defs, path, done, param);
                }
            }
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                checkRefs(item, defs, path, done, param);
            }
        }
    }
}
