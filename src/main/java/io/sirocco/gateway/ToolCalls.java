package io.sirocco.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Tool calls in the model's output and in responses. The model writes its calls as a JSON array after the
 * {@link #MARKER} (or, when the reply is forced to be calls, as the bare array):
 * {@code [TOOL_CALLS] [{"name":"get_weather","arguments":{"city":"Paris"}}]}.
 * Responses carry them in Mistral's form, with 9-character ids.
 */
final class ToolCalls {
    static final String MARKER = "[TOOL_CALLS]";
    private static final String ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ToolCalls() {
    }

    /** A call id as Mistral makes them: 9 letters and digits. */
    static String newId() {
        char[] id = new char[9];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_CHARS.charAt(RANDOM.nextInt(ID_CHARS.length()));
        }
        return new String(id);
    }

    /**
     * The calls in a reply, when it is one: the array after the marker (or alone), each item naming a tool of
     * {@code tools} with an object of arguments. Empty when the text is not a complete call array.
     */
    static Optional<List<Conversation.Call>> parse(String text, ToolSet tools) {
        String s = text.strip();
        if (s.startsWith(MARKER)) {
            s = s.substring(MARKER.length()).strip();
        }
        if (!s.startsWith("[")) {
            return Optional.empty();
        }
        JsonNode array;
        try {
            array = StrictJson.WRITER.readTree(s);
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
        if (array == null || !array.isArray() || array.isEmpty()) {
            return Optional.empty();
        }
        List<Conversation.Call> calls = new ArrayList<>();
        for (JsonNode item : array) {
            JsonNode name = item.path("name");
            JsonNode args = item.path("arguments");
            if (!name.isTextual() || !tools.tools().containsKey(name.textValue()) || !args.isObject()) {
                return Optional.empty();
            }
            calls.add(new Conversation.Call(newId(), name.textValue(), args.toString()));
        }
        return Optional.of(calls);
    }

    /**
     * Whether streamed text so far may still turn out to be a call (so it must be held back): nothing yet, the
     * marker's start, or an array (a model with a {@code [TOOL_CALLS]} control token writes no marker text; a text
     * reply never starts with {@code [}, the grammar sees to that).
     */
    static boolean mayBeCall(String textSoFar) {
        String s = textSoFar.stripLeading();
        return s.isEmpty() || s.startsWith("[");
    }

    /** The calls as {@code message.tool_calls} / {@code delta.tool_calls}; arguments are a JSON string. */
    static List<Map<String, Object>> json(List<Conversation.Call> calls) {
        List<Map<String, Object>> out = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            Conversation.Call c = calls.get(i);
            Map<String, Object> fn = new LinkedHashMap<>();
            fn.put("name", c.name());
            fn.put("arguments", c.arguments());
            Map<String, Object> call = new LinkedHashMap<>();
            call.put("id", c.id());
            call.put("type", "function");
            call.put("function", fn);
            call.put("index", i);
            out.add(call);
        }
        return out;
    }
}
