package io.sirocco.engine;

/**
 * Receives a generation's output as it is produced, on the engine's scheduler thread.
 * Implementations must return quickly and must not block.
 */
public interface TokenListener {
    /**
     * One generated token. {@code textDelta} is the text that became final with it: it may be empty
     * (an incomplete UTF-8 sequence, or text held back because it may start a stop string).
     */
    void onToken(int tokenId, String textDelta);
}
