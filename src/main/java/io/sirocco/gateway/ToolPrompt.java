package io.sirocco.gateway;

import io.sirocco.engine.ChatMessage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a conversation with tools into the plain user/assistant turns of the Mistral instruct template, for
 * models whose vocabulary has no tool tokens. The format (documented in docs/api.md) follows Mistral's v3
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
