package io.sirocco.engine.tokenizer;

import io.sirocco.engine.ChatInput;
import io.sirocco.engine.ChatMessage;
import io.sirocco.engine.ChatRenderer;
import io.sirocco.engine.EngineException;
import io.sirocco.engine.TemplateCompiler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chat → prompt tokens for one model: the file's own {@code tokenizer.chat_template} when it has one and a
 * {@link TemplateCompiler} is given, else the built-in Mistral {@link ChatTemplate}. Template output is encoded
 * with its special tokens parsed, but every string of the caller's is {@link PromptText protected} first, so
 * control tokens come only from the template.
 */
public final class ChatEncoder {
    private final Tokenizer tokenizer;
    private final ChatTemplate builtIn;
    private final ChatRenderer renderer;
    private final PromptText protect;
    private final boolean toolTokens;

    private ChatEncoder(Tokenizer tokenizer, ChatRenderer renderer, boolean toolTokens) {
        this.tokenizer = tokenizer;
        this.builtIn = new ChatTemplate(tokenizer);
        this.renderer = renderer;
        this.protect = new PromptText(tokenizer.vocabulary());
        this.toolTokens = toolTokens;
    }

    /** The control tokens of Mistral's tool calling (v3 tokenizer), all of which a tool-token template needs. */
    private static final List<String> TOOL_TOKENS = List.of("[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_CALLS]",
            "[TOOL_RESULTS]", "[/TOOL_RESULTS]");

    /** Whether the vocabulary has every tool control token and the template writes them. */
    private static boolean toolTokens(Vocabulary v, String template) {
        for (String piece : TOOL_TOKENS) {
            int id = v.id(piece);
            if (id < 0 || !v.isControl(id) || !template.contains(piece)) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param origin names the file in a start-up error
     * @throws EngineException naming the file when its template does not compile
     */
    public static ChatEncoder of(Tokenizer tokenizer, TemplateCompiler compiler, Object origin) {
        Vocabulary v = tokenizer.vocabulary();
        String source = v.chatTemplate();
        if (source == null || source.isBlank() || compiler == null) {
            return new ChatEncoder(tokenizer, null, false);
        }
        try {
            return new ChatEncoder(tokenizer, compiler.compile(source, text(v, v.bos), text(v, v.eos)),
                    toolTokens(v, source));
        } catch (EngineException e) {
            throw new EngineException(origin + ": tokenizer.chat_template: " + e.getMessage(), e);
        }
    }

    private static String text(Vocabulary v, int id) {
        return id >= 0 && id < v.size() ? v.piece(id) : "";
    }

    /**
     * Whether chats with tools are rendered by the file's template with the model's own tool control tokens
     * ({@code [AVAILABLE_TOOLS]}, {@code [TOOL_CALLS]}, {@code [TOOL_RESULTS]}): the vocabulary has all of them as
     * control tokens and the template writes them.
     */
    public boolean rendersToolTokens() {
        return toolTokens;
    }

    /** Whether the file's own template is used (else the built-in Mistral template). */
    public boolean usesFileTemplate() {
        return renderer != null;
    }

    public int[] encode(List<ChatMessage> messages, boolean safePrompt) {
        return renderer == null ? builtIn.encode(messages, safePrompt) : encode(ChatInput.of(messages, safePrompt));
    }

    /** @throws EngineException naming the problem (a refused message order, a template error) */
    public int[] encode(ChatInput chat) {
        if (chat.messages() == null || chat.messages().isEmpty()) {
            throw new EngineException("chat needs at least one message");
        }
        if (renderer == null) {
            if (chat.tools() != null && !chat.tools().isEmpty()) {
                throw new EngineException("this model's built-in template cannot render tools");
            }
            List<ChatMessage> plain = new ArrayList<>();
            for (Map<String, Object> m : chat.messages()) {
                Object content = m.get("content");
                plain.add(new ChatMessage(String.valueOf(m.get("role")), content == null ? null : String.valueOf(content)));
            }
            return builtIn.encode(plain, chat.safePrompt());
        }
        List<Map<String, Object>> messages = protectedList(withGuardrail(chat.messages(), chat.safePrompt()));
        List<Map<String, Object>> tools = chat.tools() == null ? null : protectedList(chat.tools());
        String rendered = renderer.render(messages, tools, chat.addGenerationPrompt());
        Vocabulary v = tokenizer.vocabulary();
        boolean addBos = v.addBos && !rendered.startsWith(text(v, v.bos));
        return tokenizer.encodeProtected(rendered, addBos);
    }

    /** safe_prompt: Mistral's guardrail before the system prompt (a system message of its own when there is none). */
    private static List<Map<String, Object>> withGuardrail(List<Map<String, Object>> messages, boolean safePrompt) {
        if (!safePrompt) {
            return messages;
        }
        List<Map<String, Object>> out = new ArrayList<>(messages);
        Map<String, Object> first = out.getFirst();
        if ("system".equals(first.get("role"))) {
            Map<String, Object> system = new LinkedHashMap<>(first);
            system.put("content", ChatTemplate.GUARDRAIL + "\n\n" + first.get("content"));
            out.set(0, system);
        } else {
            out.addFirst(new LinkedHashMap<>(Map.of("role", "system", "content", ChatTemplate.GUARDRAIL)));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> protectedList(List<Map<String, Object>> list) {
        return (List<Map<String, Object>>) protectValue(list);
    }

    /** A deep copy with every string (keys of maps aside) protected. */
    private Object protectValue(Object v) {
        return switch (v) {
            case String s -> protect.protect(s);
            case Map<?, ?> m -> {
                Map<String, Object> copy = new LinkedHashMap<>();
                m.forEach((k, x) -> copy.put(String.valueOf(k), protectValue(x)));
                yield copy;
            }
            case List<?> l -> {
                List<Object> copy = new ArrayList<>(l.size());
                l.forEach(x -> copy.add(protectValue(x)));
                yield copy;
            }
            case null, default -> v;
        };
    }
}
