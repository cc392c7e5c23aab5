package io.sirocco.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A chat to turn into prompt tokens, in the JSON shape chat templates take (Hugging Face's
 * {@code apply_chat_template}): messages as maps ({@code role}, {@code content}, {@code tool_calls},
 * {@code tool_call_id}, …), tools as maps, or null for none.
 *
 * @param addGenerationPrompt end with the opening of an assistant turn (the usual case for a completion)
 * @param safePrompt          prepend Mistral's guardrail to the system prompt
 */
public record ChatInput(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
                        boolean addGenerationPrompt, boolean safePrompt) {

    /** Plain role/content messages, no tools, with the generation prompt. */
    public static ChatInput of(List<ChatMessage> messages, boolean safePrompt) {
        List<Map<String, Object>> maps = new ArrayList<>(messages == null ? 0 : messages.size());
        if (messages != null) {
            for (ChatMessage m : messages) {
                Map<String, Object> map = new LinkedHashMap<>();
                map.put("role", m.role());
                map.put("content", m.content());
                maps.add(map);
            }
        }
        return new ChatInput(maps, null, true, safePrompt);
    }
}
