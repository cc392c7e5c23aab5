package io.sirocco.engine;

/** Compiles chat-template source (Jinja) into a {@link ChatRenderer}; implemented outside the engine. */
@FunctionalInterface
public interface TemplateCompiler {
    /**
     * @param bosToken the text of the vocabulary's BOS token (the template's {@code bos_token})
     * @param eosToken the text of its EOS token ({@code eos_token})
     * @throws EngineException naming the problem when the source is not a valid template
     */
    ChatRenderer compile(String source, String bosToken, String eosToken);
}
