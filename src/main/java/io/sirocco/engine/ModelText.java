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
}
