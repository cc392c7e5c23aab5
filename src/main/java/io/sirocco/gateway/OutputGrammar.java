package io.sirocco.gateway;

import io.sirocco.engine.grammar.Grammar;
import io.sirocco.engine.grammar.GrammarException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The constraint the decoder enforces on a chat reply, from its tools and response format, so a call's arguments
 * and a structured reply are valid whatever the model:
 * <ul>
 *   <li>calls forced ({@code any}/{@code required}/named): {@code [TOOL_CALLS]} (the model's control token where
 *       its vocabulary has one, else the text) then the call array ({@link ToolCallSchema});</li>
 *   <li>{@code auto}: that, or a reply in the response format: for text, any text not starting with {@code [}
 *       (one leading space allowed), so the model's first tokens decide;</li>
 *   <li>no calls: the response format's JSON (any object, or the schema), or free text (no constraint).</li>
 * </ul>
 * Compiled grammars are cached by their schemas (the engine caches token masks per grammar), so a client's
 * repeated requests compile once. Schemas the engine cannot enforce are a 422 naming the field and keyword.
 */
final class OutputGrammar {
    private static final int CACHE_SIZE = 256;
    private static final Map<String, Grammar> CACHE = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Grammar> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    private OutputGrammar() {
    }

    /** The grammar of a reply, or null when it is free text. */
    static Grammar of(ToolSet tools, OutputFormat format) {
        Grammar reply = switch (format.kind()) {
            case TEXT -> null;
            case JSON_OBJECT -> cached("json_object", Grammar::jsonObject);
            case JSON_SCHEMA -> schema(format.schema().toString(), "response_format.json_schema.schema");
        };
        if (!tools.callsAllowed()) {
            return reply;
        }
        for (ToolSet.Tool t : tools.callable()) {
            schema(t.parameters().toString(), "tools." + t.name() + ".function.parameters"); // names a bad tool
        }
        Grammar calls = Grammar.sequence(Grammar.regex(" ?"), Grammar.marker(ToolCalls.MARKER),
                Grammar.whitespace(), schema(ToolCallSchema.of(tools).toString(), "tools"));
        if (tools.forced()) {
            return calls;
        }
        Grammar other = reply != null ? reply
                : Grammar.sequence(Grammar.regex(" ?[^\\[ ]"), Grammar.freeText());
        return Grammar.anyOf(calls, other);
    }

    private static Grammar schema(String json, String param) {
        return cached("schema:" + json, () -> {
            try {
                return Grammar.jsonSchema(json);
            } catch (GrammarException e) {
                throw ApiError.invalid(param, param + ": " + e.getMessage() + " (keyword " + e.keyword() + ")");
            }
        });
    }

    private static Grammar cached(String key, java.util.function.Supplier<Grammar> compile) {
        synchronized (CACHE) {
            Grammar g = CACHE.get(key);
            if (g != null) {
                return g;
            }
        }
        Grammar g = compile.get();
        synchronized (CACHE) {
            CACHE.put(key, g);
        }
        return g;
    }
}
