package io.sirocco.engine;

/** A model file or an engine request that cannot be served; the message says why, {@link #kind()} what kind. */
public class EngineException extends RuntimeException {

    /** What went wrong, for the API's one error mapper: a refusal of the request, or the engine being out of reach. */
    public enum Kind {
        /** The input itself is wrong: empty, a token outside the vocabulary, messages in an invalid order. */
        INVALID_INPUT,
        /** The prompt does not fit the model's context (with room for one generated token). */
        CONTEXT_EXCEEDED,
        /** Prompt plus max_tokens needs more KV-cache positions than the engine has. */
        KV_EXCEEDED,
        /** No engine can be reached (scaled out: RabbitMQ is down). */
        UNAVAILABLE,
        /** No engine took the request within the queue timeout. */
        QUEUE_TIMEOUT,
        /** The engine serving the request stopped answering. */
        ENGINE_LOST,
        /** The engine failed while running the request. */
        FAILED
    }

    private final Kind kind;

    public EngineException(String message) {
        this(Kind.INVALID_INPUT, message);
    }

    public EngineException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public EngineException(String message, Throwable cause) {
        this(Kind.FAILED, message, cause);
    }

    public EngineException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
