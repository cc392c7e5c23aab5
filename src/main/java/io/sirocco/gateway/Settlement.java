package io.sirocco.gateway;

import io.sirocco.billing.Admission;
import io.sirocco.billing.UsageEvent;
import io.sirocco.billing.UsageStatus;

import java.util.concurrent.atomic.AtomicBoolean;

/** Guards the rule that every admission is settled exactly once: the first settle wins, later ones are ignored. */
final class Settlement {
    private final Pipeline pipeline;
    private final Call call;
    final Admission admission;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile UsageEvent event;

    Settlement(Pipeline pipeline, Call call, Admission admission) {
        this.pipeline = pipeline;
        this.call = call;
        this.admission = admission;
    }

    /** Settles now; returns the usage event, or the earlier one when already settled. */
    UsageEvent settle(int promptTokens, int completionTokens, UsageStatus status) {
        return settle(promptTokens, 0, completionTokens, status);
    }

    /** As {@link #settle(int, int, String)}, with {@code cachedTokens} of the prompt from the prefix cache. */
    UsageEvent settle(int promptTokens, int cachedTokens, int completionTokens, UsageStatus status) {
        if (done.compareAndSet(false, true)) {
            event = pipeline.settle(call, admission, promptTokens, cachedTokens, completionTokens, status);
        }
        return event;
    }

    /** Called in a finally block: an admission still open here ended in failure. */
    void failIfOpen(int promptTokens) {
        if (!done.get()) {
            settle(promptTokens, 0, UsageStatus.FAILED);
        }
    }
}
