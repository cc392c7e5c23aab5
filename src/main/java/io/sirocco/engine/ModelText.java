package io.sirocco.engine;

import java.util.List;

/**
 * A model without its weights: what it is ({@link ModelInfo}) and how text becomes its tokens. Every engine is one;
 * a scale-out gateway reads one from the file's header to count tokens before a request leaves it.
 */
public interface ModelText {

    ModelInfo info();

    /** Text → ids (llama.cpp-compatible SentencePiece); BOS first when {@code addBos}. */
    int[] tokenize(String text, boolean addBos);

    /** Ids → text; control tokens are dropped, byte tokens are joined into UTF-8. */
    String detokenize(int[] ids);

    /**
     * The Mistral instruct template: {@code <s>[INST] user [/INST] assistant</s>[INST] …}, a system message
     * folded into the first user turn; {@code safePrompt} prepends Mistral's guardrail system prompt.
     * Throws {@link EngineException} on an invalid message order.
     */
    int[] encodeChat(List<ChatMessage> messages, boolean safePrompt);

    /**
     * A chat with JSON-shaped messages and tools, rendered by the model's own chat template when it has one (tools
     * where the template supports them) and its special tokens taken from the template only: control tokens spelled
     * in a caller's strings are encoded as text. Without a file template: the Mistral template, role/content only.
     * Throws {@link EngineException} naming the problem (message order, a template's raise_exception, tools without
     * a template).
     */
    default int[] encodeChat(ChatInput chat) {
        if (chat.tools() != null && !chat.tools().isEmpty()) {
            throw new EngineException("this model's template cannot render tools");
        }
        List<ChatMessage> plain = chat.messages().stream()
                .map(m -> new ChatMessage(String.valueOf(m.get("role")), m.get("content") == null ? null : String.valueOf(m.get("content"))))
                .toList();
        return encodeChat(plain, chat.safePrompt());
    }

    /**
     * Whether {@link #encodeChat(ChatInput)} renders tools, tool calls and tool results with the model's own control
     * tokens ({@code [AVAILABLE_TOOLS]}, {@code [TOOL_CALLS]}, {@code [TOOL_RESULTS]}, through its chat template).
     * When false a caller writes tools into the plain turns its own way.
     */
    default boolean rendersToolTokens() {
        return false;
    }

    /** Whether the model has fill-in-the-middle tokens (Mistral's [PREFIX]/[SUFFIX], or the GGUF's FIM metadata). */
    default boolean supportsFim() {
        return false;
    }

    /** The fill-in-the-middle prompt for {@code prefix} … {@code suffix}; an {@link EngineException} when unsupported. */
    default int[] encodeFim(String prefix, String suffix) {
        throw new EngineException(info().name() + " has no fill-in-the-middle tokens");
    }

    /**
     * A model text that is another's: every method answers with {@link #text()}'s. Engines implement it to tokenize
     * with the model they were opened on, and override only what they know better (a remote engine's facts).
     */
    interface Delegating extends ModelText {
        /** The model text this one answers with. */
        ModelText text();

        @Override
        default ModelInfo info() {
            return text().info();
        }

        @Override
        default int[] tokenize(String text, boolean addBos) {
            return text().tokenize(text, addBos);
        }

        @Override
        default String detokenize(int[] ids) {
            return text().detokenize(ids);
        }

        @Override
        default int[] encodeChat(List<ChatMessage> messages, boolean safePrompt) {
            return text().encodeChat(messages, safePrompt);
        }

        @Override
        default int[] encodeChat(ChatInput chat) {
            return text().encodeChat(chat);
        }

        @Override
        default boolean rendersToolTokens() {
            return text().rendersToolTokens();
        }

        @Override
        default boolean supportsFim() {
            return text().supportsFim();
        }

        @Override
        default int[] encodeFim(String prefix, String suffix) {
            return text().encodeFim(prefix, suffix);
        }
    }
}
