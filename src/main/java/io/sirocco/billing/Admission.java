package io.sirocco.billing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * A request admitted for billing: the prices it will pay and the worst-case cost reserved against budgets.
 * Every admission ends in exactly one {@link Metering#settle} call.
 */
public record Admission(String requestId, UUID orgId, UUID keyId, String model, Instant admittedAt, Prices prices,
                        BigDecimal reservedEur, RequestTags tags) {
}
