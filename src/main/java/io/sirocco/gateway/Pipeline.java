package io.sirocco.gateway;

import io.sirocco.accounts.KeyPrincipal;
import io.sirocco.billing.Admission;
import io.sirocco.billing.RequestTags;
import io.sirocco.billing.Metering;
import io.sirocco.billing.UsageEvent;
import io.sirocco.billing.UsageStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.concurrent.CancellationException;

/**
 * The chat and FIM endpoints' steps, not yet moved onto {@link RequestPipeline} (which embeddings use): authenticate
 * the key, resolve the model, count it against the rate limits (through {@link Limit}), admit it for billing, wait for a slot in the tier's
 * queue; {@link Settlement} settles once.
 */
@ApplicationScoped
public class Pipeline {

    @Inject
    Authenticate authenticate;
    @Inject
    ResolveModel resolveModel;
    @Inject
    Limit limit;
    @Inject
    RateLimits rateLimits;
    @Inject
    Metering metering;
    @Inject
    GatewayMetrics metrics;
    @ConfigProperty(name = "sirocco.gateway.queue.timeout", defaultValue = "30s")
    Duration queueTimeout;

    /** 401 unless the request carries {@code Authorization: Bearer <a valid key>}. */
    KeyPrincipal authenticate(Call call) {
        return authenticate.caller(call);
    }

    /**
     * The served model, by its id or an alias: 404 unknown, 403 not allowed for the key, 422 wrong kind for the
     * endpoint. Use the served tier's id from here on (prices, usage and responses).
     */
    ModelRegistry.Served resolve(Call call, String model, ModelTier.Kind kind) {
        return resolveModel.served(call, model, kind);
    }

    /** Counts the request toward requests per minute, before any work is spent on it; 429 when over. */
    void countRequest(Call call) {
        limit.request(call);
    }

    /** Counts the prompt's tokens once they are known; 429 when the minute's tokens were already spent. */
    void countPromptTokens(Call call, int promptTokens) {
        limit.promptTokens(call, promptTokens);
    }

    /** Reserves the worst case for billing (402 when a budget would be exceeded); settle the result once. */
    Settlement admit(Call call, String model, int promptTokens, int maxTokens) {
        return admit(call, model, promptTokens, maxTokens, RequestTags.NONE);
    }

    /** As {@link #admit(Call, String, int, int)}, with the caller's user and metadata for the ledger row. */
    Settlement admit(Call call, String model, int promptTokens, int maxTokens, RequestTags tags) {
        Admission a = call.isBatchLine()
                ? metering.admitBatchLine(call.requestId, call.key.orgId(), call.key.keyId(), model, promptTokens,
                        maxTokens, tags)
                : metering.admit(call.requestId, call.key.orgId(), call.key.keyId(), model, promptTokens, maxTokens, tags);
        return new Settlement(metering, rateLimits, metrics, call, a);
    }

    /**
     * Waits for a slot in the tier's fair queue. 429 when the queue is full or the wait times out; null when the
     * client left while waiting. Either way without a slot, the admission is settled here.
     */
    TierQueue.Ticket acquire(Call call, ModelRegistry.Served model, Settlement settlement, int promptTokens)
            throws InterruptedException {
        if (call.isBatchLine()) {
            return model.queue().unqueued(call.key.orgId()); // batch lines wait on the engine's background queue
        }
        TierQueue queue = model.queue();
        TierQueue.Ticket ticket;
        try {
            ticket = queue.enqueue(call.key.orgId());
        } catch (TierQueue.FullException e) {
            settlement.settle(promptTokens, 0, UsageStatus.FAILED);
            throw ApiError.rateLimited("queue_full", model.tier().id() + " is at capacity; retry shortly", 1);
        }
        call.onClientGone(() -> queue.abandon(ticket));
        try {
            if (!queue.await(ticket, queueTimeout)) {
                settlement.settle(promptTokens, 0, UsageStatus.FAILED);
                throw ApiError.rateLimited("queue_timeout", model.tier().id() + " is busy: the request waited "
                        + queueTimeout.toSeconds() + " s in the queue; retry shortly", Math.max(1, queueTimeout.toSeconds() / 2));
            }
        } catch (CancellationException e) {
            settlement.settle(promptTokens, 0, UsageStatus.ABORTED);
            return null;
        }
        metrics.queueTime(model.tier().id(), ticket.queueSeconds());
        if (call.isClientGone()) {
            ticket.close();
            settlement.settle(promptTokens, 0, UsageStatus.ABORTED);
            return null;
        }
        return ticket;
    }
}
