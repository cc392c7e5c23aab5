package io.sirocco.gateway;

import io.quarkus.value.registry.ValueRegistry;
import io.quarkus.vertx.http.HttpServer;
import io.sirocco.accounts.ApiKeys;
import io.sirocco.accounts.KeyPrincipal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

/**
 * Batch lines through the live endpoints. A batch runner sends each line to this node's own {@code /v1} endpoint, so
 * a line is validated, answered and billed by exactly the code that serves live requests. The call carries a secret
 * made at startup (never leaves this process) instead of an API key; with it the pipeline treats the call as a
 * batch line:
 * <ul>
 *   <li>the caller is the job's key, by id (a key revoked since is refused);</li>
 *   <li>the request id is the line's own, the same at every run, so a line run again after a crash is billed once;</li>
 *   <li>no rpm/tpm: batch tokens do not count against the key's live limits;</li>
 *   <li>billing at the model's batch prices, the ledger row marked batch;</li>
 *   <li>no slot in the tier's live queue: the line runs on the engine's background queue (lowest priority);</li>
 *   <li>a check-only call stops before admission and answers the tokens it would reserve: no token is spent.</li>
 * </ul>
 */
@ApplicationScoped
public class BatchLines {
    static final String TOKEN = "x-sirocco-batch-token";
    static final String KEY = "x-sirocco-batch-key";
    static final String REQUEST = "x-sirocco-batch-request";
    static final String CHECK = "x-sirocco-batch-check";

    /** What a call carries when it is a batch line. */
    record Line(String requestId, boolean checkOnly) {
    }

    private final byte[] secret = new byte[32];
    private final String secretHex;

    @Inject
    ApiKeys apiKeys;
    @Inject
    ValueRegistry values;

    public BatchLines() {
        new SecureRandom().nextBytes(secret);
        secretHex = HexFormat.of().formatHex(secret);
    }

    /** This node's own HTTP address. */
    public URI base() {
        HttpServer server = values.get(HttpServer.HTTP_SERVER);
        return URI.create("http://127.0.0.1:" + server.getPort() + "/");
    }

    /**
     * The request that runs ({@code check} false) or only checks one line on this node's {@code endpoint}
     * ({@code /v1/chat/completions}, …) as the job's key.
     */
    public HttpRequest request(String endpoint, UUID keyId, String requestId, boolean check, byte[] body,
                               Duration timeout) {
        return HttpRequest.newBuilder(base().resolve(endpoint.substring(1)))
                .header(TOKEN, secretHex).header(KEY, keyId.toString()).header(REQUEST, requestId)
                .header(CHECK, Boolean.toString(check)).header("content-type", "application/json")
                .timeout(timeout).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    /** Whether the call claims to be a batch line (it then must prove it, in {@link #caller}). */
    static boolean claims(Call call) {
        return call.ctx.request().getHeader(TOKEN) != null;
    }

    /** The job's key for a batch-line call, with the line's request id set on the call; 401 otherwise. */
    KeyPrincipal caller(Call call) {
        var h = call.ctx.request().headers();
        String token = h.get(TOKEN);
        if (token == null || !MessageDigest.isEqual(token.getBytes(StandardCharsets.US_ASCII),
                secretHex.getBytes(StandardCharsets.US_ASCII))) {
            throw ApiError.unauthenticated("invalid batch token");
        }
        String requestId = h.get(REQUEST);
        UUID keyId;
        try {
            keyId = UUID.fromString(h.get(KEY));
        } catch (RuntimeException e) {
            throw ApiError.unauthenticated("invalid batch key");
        }
        if (requestId == null || !requestId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw ApiError.unauthenticated("invalid batch request id");
        }
        KeyPrincipal key = apiKeys.principal(keyId)
                .orElseThrow(() -> ApiError.unauthenticated("the batch job's API key was revoked or has expired"));
        call.identify(requestId, new Line(requestId, Boolean.parseBoolean(h.get(CHECK))));
        return key;
    }

    /**
     * A check-only batch line stops here, before admission: it answers the tokens the line would reserve. True when
     * it did (the caller returns).
     */
    static boolean answeredCheck(Call call, int promptTokens, int maxNewTokens) {
        Line line = call.batch;
        if (line == null || !line.checkOnly()) {
            return false;
        }
        call.json(200, Map.of("prompt_tokens", promptTokens, "max_new_tokens", maxNewTokens));
        return true;
    }
}
