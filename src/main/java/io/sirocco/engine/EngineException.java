package io.sirocco.engine;

/** A model file or an engine request that cannot be served; the message says why. */
public class EngineException extends RuntimeException {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
