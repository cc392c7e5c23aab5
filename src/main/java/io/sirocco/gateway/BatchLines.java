package io.sirocco.gateway;

import io.sirocco.accounts.ApiKeys;
import io.sirocco.accounts.KeyPrincipal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;

/**
 * Batch lines through the {@link RequestPipeline}, in this process: a line is validated, answered and billed by
 * exactly the code that serves live requests. Its {@link Call} says it is a batch line, and the pipeline's steps act
 * on that:
 * <ul>
 *   <li>the caller is the job's key, by id (a key revoked since is refused with 401);</li>
 *   <li>the request id is the line's own, the same at every run, so a line run again after a crash is billed once;</li>
 *   <li>no rpm/tpm ({@link Limit}): batch tokens do not count against the key's live limits;</li>
 *   <li>billing at the model's batch prices, the ledger row marked batch ({@link Admit});</li>
 *   <li>no slot in the tier's live queue: the line runs on the engine's background queue, the lowest priority
 *       ({@link Queue});</li>
 *   <li>the answer (status and JSON body, an error body as the API would send it) is kept in memory for the runner
 *       to store; streaming is refused.</li>
 * </ul>
 */
@ApplicationScoped
public class BatchLines {
    @Inject
    RequestPipeline pipeline;
    @Inject
    ApiKeys apiKeys;
    @Inject
    ChatCompletions chat;
    @Inject
    FimCompletions fim;
    @Inject
    Embeddings embeddings;

    /** What a line would be admitted for: billing reserves these tokens when it runs. */
    public record Estimate(int promptTokens, int maxNewTokens) {
    }

    /** A line's verdict before it runs: its estimate, or the API error the live endpoint would answer. */
    public record Check(Estimate estimate, ApiError refusal) {
    }

    /** A line's answer: the HTTP status and JSON body the live endpoint would have sent. */
    public record Answer(int status, String body) {
    }

    /**
     * Checks one line as the job's key: steps 1–4 of the pipeline (authenticate, validate, resolve, tokenize and the
     * model's admission rules), nothing reserved, no token generated.
     */
    public Check check(String endpoint, UUID keyId, String requestId, byte[] body) {
        Call call = null;
        try {
            call = Call.batchLine(requestId, caller(keyId));
            Endpoint.Prepared p = pipeline.check(call, body, endpoint(endpoint));
            return new Check(new Estimate(p.promptTokens(), p.maxNewTokens()), null);
        } catch (RuntimeException e) {
            return new Check(null, ErrorResponses.map(e, requestId,
                    call == null ? kind -> null : call.refusalParams));
        }
    }

    /** One run of a line as the job's key; {@link Run#cancel} stops it from another thread. */
    public Run start(String endpoint, UUID keyId, String requestId, byte[] body) {
        return new Run(endpoint, keyId, requestId, body);
    }

    /** A line's run. */
    public final class Run {
        private final String endpoint;
        private final UUID keyId;
        private final String requestId;
        private final byte[] body;
        private volatile Call call;
        private volatile boolean cancelled;

        private Run(String endpoint, UUID keyId, String requestId, byte[] body) {
            this.endpoint = endpoint;
            this.keyId = keyId;
            this.requestId = requestId;
            this.body = body;
        }

        /**
         * Runs the line on this thread through the whole pipeline; its answer, or empty when it was cancelled before
         * it answered (then what it generated is billed as aborted, and nothing is stored).
         */
        public Optional<Answer> run() throws InterruptedException {
            Call.LineReply reply;
            try {
                call = Call.batchLine(requestId, caller(keyId));
            } catch (ApiError e) {
                return Optional.of(new Answer(e.status(), json(ErrorResponses.body(e))));
            }
            reply = (Call.LineReply) call.reply();
            if (cancelled) {
                return Optional.empty();
            }
            try {
                pipeline.handle(call, body, endpoint(endpoint));
            } catch (InterruptedException e) {
                call.clientGone();
                throw e;
            } catch (Throwable t) {
                ErrorResponses.send(call, t);
            }
            if (reply.status() == null || call.isClientGone()) {
                return Optional.empty();
            }
            return Optional.of(new Answer(reply.status(), new String(reply.body(), StandardCharsets.UTF_8)));
        }

        /** Cancels the line: its generations stop, as when a live client disconnects. */
        public void cancel() {
            cancelled = true;
            Call c = call;
            if (c != null) {
                c.clientGone();
            }
        }
    }

    private KeyPrincipal caller(UUID keyId) {
        return apiKeys.principal(keyId)
                .orElseThrow(() -> ApiError.unauthenticated("the batch job's API key was revoked or has expired"));
    }

    private Endpoint<?, ?> endpoint(String path) {
        return switch (path) {
            case "/v1/chat/completions" -> chat;
            case "/v1/fim/completions" -> fim;
            case "/v1/embeddings" -> embeddings;
            default -> throw ApiError.notFound("no batch endpoint " + path);
        };
    }

    private static String json(Object body) {
        return new String(StrictJson.write(body), StandardCharsets.UTF_8);
    }
}
