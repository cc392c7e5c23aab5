package io.sirocco.billing;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.smallrye.reactive.messaging.annotations.Broadcast;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * The gateway's entry to billing. {@link #admit} prices a request (and reserves its worst case against budgets);
 * {@link #settle} writes its ledger row in the request path, so it survives a crash right after the response,
 * then publishes the usage event.
 */
@ApplicationScoped
public class Metering {

    @Inject
    PriceBook priceBook;
    @Inject
    UsageLedger ledger;
    @Inject
    @Channel("usage-events")
    @Broadcast // scaled out, the events also go to RabbitMQ (application.properties, scale-out section)
    Emitter<UsageEvent> usageEvents;

    /** Throws {@link UnpricedModelException} when the model has no price at this instant. */
    public Admission admit(String requestId, UUID orgId, UUID keyId, String model, int promptTokens, int maxTokens) {
        Instant now = Instant.now();
        Prices prices = priceBook.pricesAt(model, now).orElseThrow(() -> new UnpricedModelException(model));
        BigDecimal worstCase = prices.cost(promptTokens, maxTokens);
        return new Admission(requestId, orgId, keyId, model, now, prices, worstCase);
    }

    /** Records the request's real usage exactly once and returns the event with its exact cost. */
    public UsageEvent settle(Admission a, int promptTokens, int completionTokens, String status) {
        BigDecimal cost = UsageEvent.FAILED.equals(status) && completionTokens == 0
                ? BigDecimal.ZERO
                : a.prices().cost(promptTokens, completionTokens);
        UsageEvent event = new UsageEvent(a.requestId(), a.orgId(), a.keyId(), a.model(), promptTokens,
                completionTokens, status, a.admittedAt(), Instant.now(), cost);
        ledger.record(event, a.prices());
        usageEvents.send(event);
        return event;
    }
}
