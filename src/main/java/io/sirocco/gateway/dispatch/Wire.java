package io.sirocco.gateway.dispatch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.engine.FinishReason;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.ModelInfo;
import io.sirocco.engine.TokenLogprobs;
import io.sirocco.engine.grammar.Grammar;

import java.io.IOException;
import java.util.List;

/** The messages between gateways and workers, as JSON bodies. */
public final class Wire {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Wire() {
    }

    /**
     * Work to run: a generation of {@code promptTokens} (the gateway tokenized it with the model's tokenizer and chat
     * template) with {@code params}, or the embeddings of {@code embedInputs}. A {@code background} request is batch
     * work: it travels on the model's batch queue and the worker runs it on its engine's background queue, where live
     * work preempts it.
     */
    public record Request(String requestId, String model, int[] promptTokens, Params params, List<int[]> embedInputs,
                          boolean background) {
        public Request {
            if ((promptTokens == null) == (embedInputs == null)) {
                throw new IllegalArgumentException("a request carries prompt tokens or embedding inputs");
            }
        }

        public Request(String requestId, String model, int[] promptTokens, Params params, List<int[]> embedInputs) {
            this(requestId, model, promptTokens, params, embedInputs, false);
        }

        /** The same request as batch work. */
        public Request asBackground() {
            return new Request(requestId, model, promptTokens, params, embedInputs, true);
        }

        public static Request generate(String requestId, String model, int[] promptTokens, GenerationParams params) {
            return generate(requestId, model, promptTokens, params, null);
        }

        /** {@code topLogprobs}: stream each token's log-probabilities with that many alternatives; null for none. */
        public static Request generate(String requestId, String model, int[] promptTokens, GenerationParams params,
                                       Integer topLogprobs) {
            return new Request(requestId, model, promptTokens, Params.of(params, topLogprobs), null);
        }

        public static Request embed(String requestId, String model, List<int[]> inputs) {
            return new Request(requestId, model, null, null, inputs);
        }
    }

    /**
     * {@link GenerationParams} as they travel: every sampling control, the output constraint as its
     * {@link Grammar.Spec} (the worker builds the same grammar again, from its caches), and whether the gateway wants
     * log-probabilities. A worker thus generates exactly what the gateway's own engine would.
     */
    public record Params(float temperature, float topP, int maxTokens, List<String> stop, Long randomSeed,
                         float presencePenalty, float frequencyPenalty, int minTokens, Grammar.Spec grammar,
                         Integer topLogprobs) {

        static Params of(GenerationParams p, Integer topLogprobs) {
            if (p == null) {
                return null;
            }
            Grammar.Spec grammar = switch (p.grammar()) {
                case null -> null;
                case Grammar g -> g.spec();
                default -> throw new IllegalArgumentException("cannot send a " + p.grammar().getClass().getSimpleName()
                        + " to a worker");
            };
            return new Params(p.temperature(), p.topP(), p.maxTokens(), p.stop(), p.randomSeed(), p.presencePenalty(),
                    p.frequencyPenalty(), p.minTokens(), grammar, topLogprobs);
        }

        /** The parameters on the worker; a grammar the worker cannot build is a {@code GrammarException}. */
        GenerationParams toGenerationParams() {
            return new GenerationParams(temperature, topP, maxTokens, stop, randomSeed, presencePenalty,
                    frequencyPenalty, minTokens, grammar == null ? null : Grammar.of(grammar));
        }
    }

    public enum ReplyType {
        /** The worker took the request: promptTokens is known. */
        STARTED,
        /** One generated token and the text that became final with it. */
        TOKEN,
        /** Still alive (long prefill or a slow step): resets the gateway's stall timer. */
        HEARTBEAT,
        /** The generation ended: finishReason, counts (and error when the engine failed). */
        DONE,
        /** The worker refused the request (bad prompt, unknown model): error says why. Nothing was generated. */
        REJECTED,
        /** The embedding vectors of an embedding request, one per input. */
        EMBEDDINGS
    }

    /**
     * A message on a gateway's reply queue. Fields not meaningful for the type are 0 or null; {@code cachedTokens}
     * (DONE) are the prompt tokens the worker's prefix cache served; {@code logprobs} (TOKEN) the token's
     * log-probabilities when the request asked for them.
     */
    public record Reply(String requestId, ReplyType type, int tokenId, String text, int promptTokens,
                        int completionTokens, FinishReason finishReason, String error, float[][] vectors,
                        int cachedTokens, TokenLogprobs logprobs) {
        Reply(String requestId, ReplyType type, int tokenId, String text, int promptTokens, int completionTokens,
              FinishReason finishReason, String error, float[][] vectors) {
            this(requestId, type, tokenId, text, promptTokens, completionTokens, finishReason, error, vectors, 0, null);
        }

        Reply(String requestId, ReplyType type, int tokenId, String text, int promptTokens, int completionTokens,
              FinishReason finishReason, String error) {
            this(requestId, type, tokenId, text, promptTokens, completionTokens, finishReason, error, null);
        }

        static Reply embeddings(String id, int promptTokens, float[][] vectors) {
            return new Reply(id, ReplyType.EMBEDDINGS, 0, null, promptTokens, 0, FinishReason.STOP, null, vectors);
        }

        static Reply started(String id, int promptTokens) {
            return new Reply(id, ReplyType.STARTED, 0, null, promptTokens, 0, null, null);
        }

        static Reply token(String id, int tokenId, String text, int completionTokens, TokenLogprobs logprobs) {
            return new Reply(id, ReplyType.TOKEN, tokenId, text, 0, completionTokens, null, null, null, 0, logprobs);
        }

        static Reply heartbeat(String id, int completionTokens) {
            return new Reply(id, ReplyType.HEARTBEAT, 0, null, 0, completionTokens, null, null);
        }

        static Reply done(String id, int promptTokens, int completionTokens, FinishReason reason, String error) {
            return done(id, promptTokens, 0, completionTokens, reason, error);
        }

        static Reply done(String id, int promptTokens, int cachedTokens, int completionTokens, FinishReason reason,
                          String error) {
            return new Reply(id, ReplyType.DONE, 0, null, promptTokens, completionTokens, reason, error, null,
                    cachedTokens, null);
        }

        static Reply rejected(String id, String error) {
            return new Reply(id, ReplyType.REJECTED, 0, null, 0, 0, null, error);
        }
    }

    /** Steers a request wherever it is: stop it (running or still queued), or hold / release its decoding. */
    public record Control(String requestId, Action action) {
        public enum Action {
            /** Stop it and free its KV cache. */
            CANCEL,
            /** Its client reads too slowly: sit out the decode steps, keeping the KV cache. */
            PAUSE,
            RESUME
        }
    }

    /**
     * What a worker serves, announced every heartbeat: the model's facts as the worker's engine has them, and its load.
     * Gateways size requests and report KV-cache use from these figures.
     */
    public record Announce(String workerId, String model, ModelInfo info, int running, int waiting, int kvBlocksUsed,
                           int kvBlocksTotal) {
    }

    static byte[] encode(Object message) {
        try {
            return JSON.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    static <T> T decode(byte[] body, Class<T> type) throws IOException {
        return JSON.readValue(body, type);
    }
}
