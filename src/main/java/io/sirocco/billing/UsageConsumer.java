package io.sirocco.billing;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * Consumes usage events into the ledger. On a single node the gateway already wrote the row in the request
 * path, so this is an idempotent no-op; scaled out it is the at-least-once path from durable queues (the
 * message is acked only after this method returns, i.e. after the ledger transaction committed).
 */
@ApplicationScoped
public class UsageConsumer {

    @Inject
    UsageLedger ledger;
    @Inject
    PriceBook priceBook;

    @Incoming("usage-events")
    @Blocking
    public void onUsage(UsageEvent event) {
        priceBook.pricesAt(event.model(), event.admittedAt()).ifPresent(prices -> ledger.record(event, prices));
    }
}
