package io.sirocco.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A request's validated {@code tools}, {@code tool_choice} and {@code parallel_tool_calls}.
 *
 * @param tools    by name, in request order
 * @param choice   what the model may do
 * @param named    the one function it must call when {@code choice} is {@link Choice#NAMED}
 * @param parallel whether one reply may hold several calls
 */
record ToolSet(Map<String, Tool> tools, Choice choice, String named, boolean parallel) {
    static final int MAX_TOOLS = 128;
    static final int MAX_PARALLEL_CALLS = 4;
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    /** {@code auto}: text or calls, the model's choice; {@code none}: text; {@code any}/{@code required}: calls. */
    enum Choice { AUTO, NONE, ANY, NAMED }

    /** One function the model may call; {@code parameters} is its JSON Schema (an empty object schema by default). */
    record Tool(String name, String description, JsonNode parameters, boolean strict) {
    }

    /** No tools: the model writes text. */
    static final ToolSet NONE = new ToolSet(Map.of(), Choice.NONE, null, false);

    /** Whether the reply is constrained to tool calls. */
    boolean forced() {
        return choice == Choice.ANY || choice == Choice.NAMED;
    }

    /** Whether the reply may hold tool calls. */
    boolean callsAllowed() {
        return choice != Choice.NONE && !tools.isEmpty();
    }

    /** The tools a call may name: all of them, or the named one. */
    List<Tool> callable() {
        return choice == Choice.NAMED ? List.of(tools.get(named)) : List.copyOf(tools.values());
    }

    static ToolSet check(List<ChatRequest.Tool> tools, JsonNode toolChoice, Boolean parallelToolCalls) {
        Map<String, Tool> byName = new LinkedHashMap<>();
        if (tools != null) {
            if (tools.size() > MAX_TOOLS) {
                throw ApiError.invalid("tools", "at most " + MAX_TOOLS + " tools are allowed");
            }
            for (int i = 0; i < tools.size(); i++) {
                Tool t = tool(tools.get(i), "tools[" + i + "]");
                if (byName.putIfAbsent(t.name(), t) != null) {
                    throw ApiError.invalid("tools[" + i + "].function.name", "two tools are named " + t.name());
                }
            }
        }
        boolean parallel = parallelToolCalls == null || parallelToolCalls;
        if (toolChoice == null || toolChoice.isNull()) {
            return byName.isEmpty() ? NONE : new ToolSet(byName, Choice.AUTO, null, parallel);
        }
        if (toolChoice.isTextual()) {
            Choice c = switch (toolChoice.textValue()) {
                case "auto" -> Choice.AUTO;
                case "none" -> Choice.NONE;
                case "any", "required" -> Choice.ANY;
                default -> throw ApiError.invalid("tool_choice",
                        "tool_choice must be auto, none, any, required or {\"type\":\"function\",\"function\":{\"name\":…}}");
            };
            if (c == Choice.ANY && byName.isEmpty()) {
                throw ApiError.invalid("tool_choice", "tool_choice " + toolChoice.textValue() + " needs tools");
            }
            return byName.isEmpty() ? NONE : new ToolSet(byName, c, null, parallel);
        }
        String name = namedChoice(toolChoice);
        if (!byName.containsKey(name)) {
            throw ApiError.invalid("tool_choice", "tool_choice names " + name + ", which is not in tools");
        }
        return new ToolSet(byName, Choice.NAMED, name, false);
    }

    /** {@code {"type":"function","function":{"name":"f"}}}; Mistral's form without {@code type} too. */
    private static String namedChoice(JsonNode c) {
        JsonNode name = c.path("function").path("name");
        boolean typeOk = !c.has("type") || "function".equals(c.get("type").asText(null));
        if (!c.isObject() || !typeOk || !name.isTextual() || c.size() > 2 || c.path("function").size() != 1) {
            throw ApiError.invalid("tool_choice",
                    "tool_choice must be auto, none, any, required or {\"type\":\"function\",\"function\":{\"name\":…}}");
        }
        return name.textValue();
    }

    private static Tool tool(ChatRequest.Tool t, String at) {
        if (t == null) {
            throw ApiError.invalid(at, at + " must be an object");
        }
        if (t.type() != null && !t.type().equals("function")) {
            throw ApiError.invalid(at + ".type", at + ".type must be function");
        }
        ChatRequest.Function f = t.function();
        if (f == null) {
            throw ApiError.invalid(at + ".function", at + ".function is required");
        }
        if (f.name() == null || !NAME.matcher(f.name()).matches()) {
            throw ApiError.invalid(at + ".function.name",
                    at + ".function.name must be 1 to 64 letters, digits, underscores or dashes");
        }
        JsonNode params = f.parameters();
        if (params == null || params.isNull()) {
            ObjectNode empty = StrictJson.WRITER.createObjectNode();
            empty.put("type", "object");
            empty.putObject("properties");
            params = empty;
        }
        SchemaLimits.check(params, at + ".function.parameters");
        if (params.has("type") && !"object".equals(params.get("type").asText(null))) {
            throw ApiError.invalid(at + ".function.parameters", at + ".function.parameters must describe an object");
        }
        return new Tool(f.name(), f.description(), params, Boolean.TRUE.equals(f.strict()));
    }

    /** The definitions as the model is shown them, in the request's own shape. */
    List<Map<String, Object>> definitions() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Tool t : tools.values()) {
            Map<String, Object> fn = new LinkedHashMap<>();
            fn.put("name", t.name());
            if (t.description() != null) {
                fn.put("description", t.description());
            }
            fn.put("parameters", t.parameters());
            Map<String, Object> tool = new LinkedHashMap<>();
            tool.put("type", "function");
            tool.put("function", fn);
            out.add(tool);
        }
        return out;
    }
}
