package io.sirocco.gateway;

import io.sirocco.engine.ChatInput;
import io.sirocco.engine.ChatMessage;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A conversation with tools as the model's prompt. For a model whose template has tool control tokens,
 * {@link #chatInput}: the messages and tools in the JSON shape chat templates take, so the template writes
 * {@code [AVAILABLE_TOOLS]}, {@code [TOOL_CALLS]} and {@code [TOOL_RESULTS]} as the control tokens (and only the
 * template can: every string of the caller's is encoded as text). Otherwise {@link #render}s them into the plain
 * user/assistant turns of the Mistral instruct template. The format (documented in docs/api.md) follows Mistral's v3
 * tokenizer, as text:
 * <ul>
 *   <li>the tool definitions, before the last user turn: {@code [AVAILABLE_TOOLS] [{"type":"function",…}] [/AVAILABLE_TOOLS]};</li>
 *   <li>an assistant's calls: {@code [TOOL_CALLS] [{"name":…,"arguments":{…},"id":…}]};</li>
 *   <li>tool results, as (part of) the next user turn: {@code [TOOL_RESULTS] {"call_id":…,"content":…} [/TOOL_RESULTS]}.</li>
 * </ul>
 */
final class ToolPrompt {
    private ToolPrompt() {
    }

    /**
     * The chat for a template with tool tokens: tool calls with their arguments as objects, tool results with their
     * call id, and the tools when the request has any. Call ids that are not Mistral's 9 letters and digits (an
     * OpenAI client's {@code call_…}) are mapped to 9 such characters, the same for a call and its result, as
     * Mistral's templates require.
     */
    static ChatInput chatInput(Conversation conversation, ToolSet tools, boolean safePrompt) {
        List<Map<String, Object>> messages = new ArrayList<>();
        for (Conversation.Turn t : conversation.turns()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", t.role());
            m.put("content", t.content());
            if (!t.calls().isEmpty()) {
                List<Map<String, Object>> calls = new ArrayList<>();
                for (Conversation.Call c : t.calls()) {
                    Map<String, Object> fn = new LinkedHashMap<>();
                    fn.put("name", c.name());
                    fn.put("arguments", plain(parse(c.arguments())));
                    Map<String, Object> call = new LinkedHashMap<>();
                    call.put("id", mistralId(c.id()));
                    call.put("type", "function");
                    call.put("function", fn);
                    calls.add(call);
                }
                m.put("tool_calls", calls);
            }
            if (t.toolCallId() != null) {
                m.put("tool_call_id", mistralId(t.toolCallId()));
            }
            if (t.name() != null) {
                m.put("name", t.name());
            }
            messages.add(m);
        }
        List<Map<String, Object>> defs = tools.tools().isEmpty() ? null
                : tools.definitions().stream().map(d -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> map = (Map<String, Object>) plain(StrictJson.WRITER.valueToTree(d));
                    return map;
                }).toList();
        return new ChatInput(messages, defs, true, safePrompt);
    }

    /** A call id in Mistral's form: itself when it is 9 letters and digits, else 9 derived from it. */
    static String mistralId(String id) {
        if (id.length() == 9 && id.chars().allMatch(ch -> ch < 128 && Character.isLetterOrDigit(ch))) {
            return id;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
            char[] out = new char[9];
            for (int i = 0; i < out.length; i++) {
                out[i] = alphabet.charAt((h[i] & 0xff) % alphabet.length());
            }
            return new String(out);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present", e);
        }
    }

    /** A JSON tree as plain maps, lists, strings, numbers, booleans and nulls (what a template reads). */
    private static Object plain(Object n) {
        return StrictJson.WRITER.convertValue(n, Object.class);
    }

    static List<ChatMessage> render(Conversation conversation, ToolSet tools) {
        List<ChatMessage> out = new ArrayList<>();
        StringBuilder pendingUser = null;
        boolean pendingResults = false;
        int lastUser = -1;
        for (Conversation.Turn t : conversation.turns()) {
            switch (t.role()) {
                case "user", "tool" -> {
                    boolean isResult = t.role().equals("tool");
                    String text = isResult ? result(t) : t.content();
                    if (pendingUser != null && !pendingResults && !isResult) {
                        // two user messages in a row stay two turns: the template decides (Mistral's refuses them)
                        lastUser = out.size();
                        out.add(new ChatMessage("user", pendingUser.toString()));
                        pendingUser = null;
                    }
                    if (pendingUser == null) {
                        pendingUser = new StringBuilder(text);
                    } else {
                        pendingUser.append("\n\n").append(text); // tool results, and the user message after them
                    }
                    pendingResults |= isResult;
                }
                default -> {
                    if (pendingUser != null) {
                        lastUser = out.size();
                        out.add(new ChatMessage("user", pendingUser.toString()));
                        pendingUser = null;
                        pendingResults = false;
                    }
                    out.add(new ChatMessage(t.role(), t.role().equals("assistant") ? assistant(t) : t.content()));
                }
            }
        }
        if (pendingUser != null) {
            lastUser = out.size();
            out.add(new ChatMessage("user", pendingUser.toString()));
        }
        if (!tools.tools().isEmpty() && lastUser >= 0) {
            String defs = "[AVAILABLE_TOOLS] " + StrictJson.WRITER.valueToTree(tools.definitions()) + " [/AVAILABLE_TOOLS]";
            out.set(lastUser, new ChatMessage("user", defs + "\n\n" + out.get(lastUser).content()));
        }
        return out;
    }

    private static String assistant(Conversation.Turn t) {
        if (t.calls().isEmpty()) {
            return t.content();
        }
        List<Map<String, Object>> calls = new ArrayList<>();
        for (Conversation.Call c : t.calls()) {
            Map<String, Object> call = new LinkedHashMap<>();
            call.put("name", c.name());
            call.put("arguments", StrictJson.WRITER.valueToTree(parse(c.arguments())));
            call.put("id", c.id());
            calls.add(call);
        }
        String json = ToolCalls.MARKER + " " + StrictJson.WRITER.valueToTree(calls);
        return t.content().isEmpty() ? json : t.content() + "\n" + json;
    }

    private static String result(Conversation.Turn t) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("call_id", t.toolCallId());
        r.put("content", t.content());
        return "[TOOL_RESULTS] " + StrictJson.WRITER.valueToTree(r) + " [/TOOL_RESULTS]";
    }

    private static Object parse(String json) {
        try {
            return StrictJson.WRITER.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("arguments were validated as JSON", e);
        }
    }
}
