package io.sirocco.gateway;

import io.sirocco.billing.RequestTags;
import io.sirocco.engine.EngineException;

/**
 * What one model endpoint adds to the {@link RequestPipeline}: how its body is validated, how long its prompt is,
 * how it becomes tokens, and how the admitted work runs and answers. Everything else is the pipeline's.
 *
 * @param <Q> the validated request
 * @param <P> the prepared work: prompt tokens and the generation budget to reserve
 */
interface Endpoint<Q, P extends Endpoint.Prepared> {

    /** The tokens a request was admitted for. */
    interface Prepared {
        int promptTokens();

        /** The most tokens it may generate: billing reserves them. */
        int maxNewTokens();
    }

    /** What kind of model an endpoint serves, and the request field that holds its prompt. */
    record Shape(ModelTier.Kind kind, String promptField) {
        /**
         * The request field an engine refusal is about, for the error body: {@code max_tokens} when a generation
         * does not fit the KV cache, the prompt's field otherwise.
         */
        String param(EngineException.Kind refusal) {
            return refusal == EngineException.Kind.KV_EXCEEDED && kind == ModelTier.Kind.CHAT ? "max_tokens"
                    : promptField;
        }
    }

    Shape shape();

    /** Step 2: parses and validates the body (400 / 422). */
    Q validate(byte[] body);

    String model(Q request);

    /** Characters of prompt text: a prompt too long for the context is refused on this alone, before tokenizing. */
    long promptChars(Q request);

    /** The caller's user and metadata, kept on the ledger row. */
    default RequestTags tags(Q request) {
        return RequestTags.NONE;
    }

    /** Tokenizes and applies the model's admission rules ({@link io.sirocco.engine.ModelInfo}). */
    P prepare(Q request, ModelRegistry.Served model);

    /** Steps 6–8: takes its queue slots, runs on the engine, answers and settles. */
    void run(Job<Q, P> job) throws InterruptedException;

    /** An admitted request, handed to {@link #run}. */
    record Job<Q, P>(Call call, Q request, P prepared, ModelRegistry.Served model, Settlement settlement,
                     Queue queue) {
        /** Step 6: a slot for one piece of the work; null when the client left while waiting. */
        Queue.Slot slot() throws InterruptedException {
            return queue.take(call, model);
        }
    }
}
