package io.sirocco.engine;

/** Why a generation ended. Maps onto the API's finish_reason. */
public enum FinishReason {
    /** EOS token or a stop string. */
    STOP,
    /** max_tokens reached. */
    LENGTH,
    /** The model's context length was reached. */
    MODEL_LENGTH,
    /** Cancelled by the caller (client went away). */
    CANCELLED,
    /** The engine failed while generating. */
    ERROR
}
