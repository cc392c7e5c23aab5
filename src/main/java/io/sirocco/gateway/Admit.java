package io.sirocco.gateway;

import io.sirocco.billing.Metering;
import io.sirocco.billing.RequestTags;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Pipeline step 5: reserves the request's worst case against the budgets (402 when it does not fit). */
@ApplicationScoped
class Admit {
    @Inject
    Metering metering;
    @Inject
    RateLimits rateLimits;
    @Inject
    GatewayMetrics metrics;

    /** The open admission; settle it exactly once. */
    Settlement reserve(Call call, String model, int promptTokens, int maxNewTokens, RequestTags tags) {
        return new Settlement(metering, rateLimits, metrics, call, call.isBatchLine()
                ? metering.admitBatchLine(call.requestId, call.key.orgId(), call.key.keyId(), model, promptTokens,
                        maxNewTokens, tags)
                : metering.admit(call.requestId, call.key.orgId(), call.key.keyId(), model, promptTokens, maxNewTokens,
                        tags));
    }
}
