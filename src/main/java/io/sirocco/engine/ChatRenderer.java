package io.sirocco.engine;

import java.util.List;
import java.util.Map;

/**
 * A compiled chat template (a GGUF's {@code tokenizer.chat_template}): renders a chat to prompt text, as
 * Hugging Face's {@code apply_chat_template(messages, tools=tools, add_generation_prompt=…)} does. The Jinja
 * implementation lives outside the engine ({@code io.sirocco.templates}) and is handed in through
 * {@link TemplateCompiler}.
 */
public interface ChatRenderer {
    /**
     * @param messages            JSON-shaped messages ({@code role}, {@code content}, and whatever else the caller
     *                            has: {@code tool_calls}, {@code tool_call_id}, {@code name})
     * @param tools               JSON-shaped tool definitions ({@code {"type":"function","function":{…}}}), or null
     * @param addGenerationPrompt end with the opening of an assistant turn
     * @throws EngineException naming the problem when the template refuses the chat ({@code raise_exception}) or
     *                         fails to render
     */
    String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt);
}
