package io.sirocco.gateway;

import io.sirocco.engine.Engine;
import io.sirocco.gateway.dispatch.GatewayDispatch;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.UUID;
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

    /** Whoever waits for a slot: an API call, or a caller without a connection of its own (e.g. a batch line). */
    public interface Waiter {
        /** Runs {@code action} when the waiter goes away (at once if it already has). */
        void onClientGone(Runnable action);

        boolean isClientGone();
    }

    /** Waits for a slot for an API call, at its plan's priority; null when the client left while waiting. */
    Slot take(Call call, ModelRegistry.Served model) throws InterruptedException {
        if (call.isBatchLine()) { // no live slot: the engine's background queue, preempted by live work
            return new Slot(model.queue().unqueued(call.key.orgId()), engines.forBatch(model.engine()));
        }
        return take(model, call.key.orgId(), dispatch.priorityOf(call.key.plan()), call);
    }

    /**
     * Waits for a slot in {@code org}'s turn of the tier's fair queue; {@code priority} (0 lowest, 9 highest) orders
     * the work at the workers when scaled out. Null when the waiter left while waiting.
     */
    Slot take(ModelRegistry.Served model, UUID org, int priority, Waiter waiter) throws InterruptedException {
        TierQueue queue = model.queue();
        Duration timeout = config.queue().timeout();
        long start = System.nanoTime();
        TierQueue.Ticket ticket;
        try {
            ticket = queue.enqueue(org);
        } catch (TierQueue.FullException e) {
            throw ApiError.rateLimited("queue_full", model.tier().id() + " is at capacity; retry shortly", 1);
        }
        waiter.onClientGone(() -> queue.abandon(ticket));
        try {
            if (!queue.await(ticket, timeout)) {
                throw ApiError.rateLimited("queue_timeout", model.tier().id() + " is busy: the request waited "
                        + timeout.toSeconds() + " s in the queue; retry shortly", Math.max(1, timeout.toSeconds() / 2));
            }
        } catch (CancellationException e) {
            return null;
        }
        metrics.queueTime(model.tier().id(), ticket.queueSeconds());
        if (waiter.isClientGone()) {
            ticket.close();
            return null;
        }
        Duration left = timeout.minusNanos(System.nanoTime() - start);
        Engine engine = model.engine().queuedAs(priority, left.isNegative() ? Duration.ofMillis(1) : left);
        return new Slot(ticket, engine);
    }
}
