package io.sirocco.gateway;

import io.sirocco.billing.Admission;
import io.sirocco.billing.DatabaseOutage;
import io.sirocco.billing.Metering;
import io.sirocco.billing.UsageEvent;
import io.sirocco.billing.UsageStatus;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Pipeline step 8, one per admission: records the request's real usage exactly once (the first settle wins, later
 * ones are ignored), releases the rest of the reservation and adds the completion tokens to the rate limit.
 */
final class Settlement {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Settlement.class);
    private final Metering metering;
    private final RateLimits rateLimits;
    private final GatewayMetrics metrics;
    private final Call call;
    final Admission admission;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile UsageEvent event;

    Settlement(Metering metering, RateLimits rateLimits, GatewayMetrics metrics, Call call, Admission admission) {
        this.metering = metering;
        this.rateLimits = rateLimits;
        this.metrics = metrics;
        this.call = call;
        this.admission = admission;
    }

    /** Settles now; returns the usage event, or the earlier one when already settled. */
    UsageEvent settle(int promptTokens, int completionTokens, UsageStatus status) {
        return settle(promptTokens, 0, completionTokens, status);
    }

    /** As {@link #settle(int, int, UsageStatus)}, with {@code cachedTokens} of the prompt from the prefix cache. */
    UsageEvent settle(int promptTokens, int cachedTokens, int completionTokens, UsageStatus status) {
        if (done.compareAndSet(false, true)) {
            if (status != UsageStatus.FAILED || completionTokens > 0) {
                metrics.tokens(admission.model(), promptTokens, completionTokens);
            }
            event = metering.settle(admission, promptTokens, cachedTokens, completionTokens, status);
            if (!call.isBatchLine()) {
                countTokens(completionTokens);
            }
        }
        return event;
    }

    /**
     * Counts the completion toward the key's tokens per minute. The request is answered and its usage recorded (or
     * spooled) by now: a database outage here loses one minute's count, never the answer (a 503 for an answer the
     * ledger bills would charge a client for what it never received).
     */
    private void countTokens(int completionTokens) {
        try {
            rateLimits.addTokens(call.key, completionTokens);
        } catch (RuntimeException e) {
            if (!DatabaseOutage.causedBy(e)) {
                throw e;
            }
            LOG.warnf("request %s: its %d completion tokens were not counted toward the key's rate limit (the "
                    + "database is away)", admission.requestId(), completionTokens);
        }
    }

    /** Completed, or aborted when the client left before the answer was written. */
    UsageEvent settleFinished(int promptTokens, int cachedTokens, int completionTokens) {
        return settle(promptTokens, cachedTokens, completionTokens,
                call.isClientGone() ? UsageStatus.ABORTED : UsageStatus.COMPLETED);
    }

    /** Called in a finally block: an admission still open here ended in failure. */
    void failIfOpen(int promptTokens) {
        if (!done.get()) {
            settle(promptTokens, 0, UsageStatus.FAILED);
        }
    }
}
