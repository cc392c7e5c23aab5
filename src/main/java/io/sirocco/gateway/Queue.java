package io.sirocco.gateway;

import io.sirocco.engine.Engine;
import io.sirocco.gateway.dispatch.GatewayDispatch;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.concurrent.CancellationException;

/**
 * Pipeline step 6: a slot in the tier's fair queue for one piece of work (a chat generation, one embedding input).
 * 429 when the queue is full or the wait times out. The queue timeout is spent once: what is left of it when the
 * slot is granted is all the engine may still wait (scaled out, for a worker to take the request).
 */
@ApplicationScoped
class Queue {
    @Inject
    GatewayMetrics metrics;
    @Inject
    GatewayDispatch dispatch;
    @Inject
    GatewayConfig config;
    @Inject
    EngineFactory engines;

    /** A granted slot and the engine to run its piece on; close it when the piece ends. */
    record Slot(TierQueue.Ticket ticket, Engine engine) implements AutoCloseable {
        @Override
        public void close() {
            ticket.close();
        }
    }

    /** Waits for a slot; null when the client left while waiting. */
    Slot take(Call call, ModelRegistry.Served model) throws InterruptedException {
        if (call.isBatchLine()) { // no live slot: the engine's background queue, preempted by live work
            return new Slot(model.queue().unqueued(call.key.orgId()), engines.forBatch(model.engine()));
        }
        TierQueue queue = model.queue();
        Duration timeout = config.queue().timeout();
        long start = System.nanoTime();
        TierQueue.Ticket ticket;
        try {
            ticket = queue.enqueue(call.key.orgId());
        } catch (TierQueue.FullException e) {
            throw ApiError.rateLimited("queue_full", model.tier().id() + " is at capacity; retry shortly", 1);
        }
        call.onClientGone(() -> queue.abandon(ticket));
        try {
            if (!queue.await(ticket, timeout)) {
                throw ApiError.rateLimited("queue_timeout", model.tier().id() + " is busy: the request waited "
                        + timeout.toSeconds() + " s in the queue; retry shortly", Math.max(1, timeout.toSeconds() / 2));
            }
        } catch (CancellationException e) {
            return null;
        }
        metrics.queueTime(model.tier().id(), ticket.queueSeconds());
        if (call.isClientGone()) {
            ticket.close();
            return null;
        }
        Duration left = timeout.minusNanos(System.nanoTime() - start);
        Engine engine = model.engine().queuedAs(dispatch.priorityOf(call.key.plan()),
                left.isNegative() ? Duration.ofMillis(1) : left);
        return new Slot(ticket, engine);
    }
}
