package io.sirocco.billing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * One request's usage, as published on the {@code usage-events} channel. Consumers are idempotent by requestId.
 *
 * @param status  how the request ended
 * @param costEur exact cost at the prices valid at {@code admittedAt}
 * @param cachedTokens the prompt tokens served from the engine's prefix cache (billed at the cached-input price)
 */
public record UsageEvent(String requestId, UUID orgId, UUID keyId, String model, int promptTokens,
                         int completionTokens, UsageStatus status, Instant admittedAt, Instant finishedAt,
                         BigDecimal costEur, int cachedTokens) {
    /** A request with no cached prompt tokens. */
    public UsageEvent(String requestId, UUID orgId, UUID keyId, String model, int promptTokens, int completionTokens,
                      UsageStatus status, Instant admittedAt, Instant finishedAt, BigDecimal costEur) {
        this(requestId, orgId, keyId, model, promptTokens, completionTokens, status, admittedAt, finishedAt, costEur, 0);
    }
}
