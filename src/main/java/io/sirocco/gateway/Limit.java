package io.sirocco.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Pipeline step 4: the key's rate limits. Every authenticated request counts toward requests per minute before any
 * work is spent on it (tokenizing included); its prompt tokens count once they are known.
 */
@ApplicationScoped
class Limit {
    @Inject
    RateLimits rateLimits;

    /** Counts the request; 429 with Retry-After when the key is over its requests or tokens per minute. */
    void request(Call call) {
        if (call.isBatchLine()) {
            return; // batch lines do not count against the key's live limits
        }
        check(call, rateLimits.admit(call.key, 0));
    }

    /** Counts the prompt's tokens; 429 when the minute's tokens were already spent. */
    void promptTokens(Call call, int tokens) {
        if (call.isBatchLine()) {
            return;
        }
        check(call, rateLimits.admitTokens(call.key, tokens));
    }

    private static void check(Call call, RateLimits.State s) {
        call.rate = s;
        if (!s.allowed()) {
            boolean requests = s.requestsUsed() >= s.requestLimit();
            throw ApiError.rateLimited(requests ? "rate_limit_requests" : "rate_limit_tokens",
                    "rate limit reached: " + (requests ? s.requestLimit() + " requests" : s.tokenLimit() + " tokens")
                            + " per minute for this key", s.retryAfterSeconds());
        }
    }
}
