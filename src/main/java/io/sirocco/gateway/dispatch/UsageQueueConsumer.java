package io.sirocco.gateway.dispatch;

import io.sirocco.billing.UsageConsumer;
import io.sirocco.billing.UsageEvent;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Scaled out, usage events from every gateway arrive on the durable RabbitMQ queue {@code sirocco.usage-events}
 * (channel {@code usage-queue}) and go to the billing consumer, which records each request id once. On a single
 * node the channel has no source and this never runs.
 */
@ApplicationScoped
public class UsageQueueConsumer {

    @Inject
    UsageConsumer billing;

    @Incoming("usage-queue")
    @Blocking
    public void onQueued(UsageEvent event) throws InterruptedException {
        // While the database is away, keep the message (unacknowledged) and retry: acknowledging or failing it
        // would drop the row or stop this channel.
        for (long wait = 500; ; wait = Math.min(wait * 2, 10_000)) {
            try {
                billing.onUsage(event);
                return;
            } catch (RuntimeException e) {
                if (!io.sirocco.billing.DatabaseOutage.causedBy(e)) {
                    throw e;
                }
                Thread.sleep(wait);
            }
        }
    }
}
