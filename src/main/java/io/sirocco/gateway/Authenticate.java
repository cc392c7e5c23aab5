package io.sirocco.gateway;

import io.sirocco.accounts.ApiKeys;
import io.sirocco.accounts.KeyPrincipal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Pipeline step 1: the caller's API key from {@code Authorization: Bearer <key>}, else 401. A call the console
 * already authenticated by its session ({@link ApiRoutes#chatAs}), and a batch line (the job's key, {@link BatchLines}),
 * arrive with their key set and keep it.
 */
@ApplicationScoped
class Authenticate {
    @Inject
    ApiKeys apiKeys;

    KeyPrincipal caller(Call call) {
        if (call.key != null) {
            return call.key;
        }
        String header = call.reply().requestHeader("authorization");
        if (header == null || header.isBlank()) {
            throw ApiError.unauthenticated("missing API key: send Authorization: Bearer <key>");
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiError.unauthenticated("the Authorization header must be Bearer <key>");
        }
        KeyPrincipal key = apiKeys.authenticate(header.substring(7).trim())
                .orElseThrow(() -> ApiError.unauthenticated("invalid API key"));
        call.key = key;
        return key;
    }
}
