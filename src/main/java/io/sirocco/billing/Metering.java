package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import io.smallrye.reactive.messaging.annotations.OnOverflow;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import io.smallrye.reactive.messaging.annotations.Broadcast;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The gateway's entry to billing. {@link #admit} prices a request and reserves its worst case against the
 * org cap, the key cap and the prepaid credit in one transaction; {@link #settle} writes its ledger row in the
 * request path (so it survives a crash right after the response), replaces the reservation with the real cost,
 * then publishes the usage event. Every admission ends in {@link #settle} or {@link #release}; reservations
 * left by a crash are released by {@link ReservationSweeper}.
 */
@ApplicationScoped
public class Metering {
    private static final Logger LOG = Logger.getLogger(Metering.class);

    @Inject
    UsageLedger ledger;
    @Inject
    UsageSpool spool;
    @Inject
    AgroalDataSource db;
    @Inject
    @Channel("usage-events")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
    @Broadcast // scaled out, the events also go to RabbitMQ (application.properties, scale-out section)
    Emitter<UsageEvent> usageEvents;
    @Inject
    @Channel("budget-alerts")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
    Emitter<BudgetAlert> budgetAlerts;
    @ConfigProperty(name = "sirocco.billing.node-id", defaultValue = "single")
    String nodeId;

    /**
     * Prices the request at this instant and reserves its worst case (prompt tokens at the input price plus
     * max_tokens at the output price). Throws {@link UnpricedModelException} when the model has no price, and
     * {@link BudgetExceededException} (HTTP 402) when the worst case does not fit a cap or the credit.
     */
    public Admission admit(String requestId, UUID orgId, UUID keyId, String model, int promptTokens, int maxTokens) {
        return admit(requestId, orgId, keyId, model, promptTokens, maxTokens, RequestTags.NONE);
    }

    /** As {@link #admit(String, UUID, UUID, String, int, int)}, with the caller's tags for the ledger row. */
    public Admission admit(String requestId, UUID orgId, UUID keyId, String model, int promptTokens, int maxTokens,
                           RequestTags tags) {
        return admit(requestId, orgId, keyId, model, promptTokens, maxTokens, tags, false);
    }

    /**
     * Admits one line of a batch job at the model's batch prices, as it starts (budgets reserve per line, never for a
     * whole file). Its request id is the line's own, the same at every run: a reservation left by a run that a crash
     * cut short is released first, and the ledger keeps one row per line whatever happens.
     */
    public Admission admitBatchLine(String requestId, UUID orgId, UUID keyId, String model, int promptTokens,
                                    int maxTokens, RequestTags tags) {
        release(requestId);
        return admit(requestId, orgId, keyId, model, promptTokens, maxTokens, tags, true);
    }

    private Admission admit(String requestId, UUID orgId, UUID keyId, String model, int promptTokens, int maxTokens,
                            RequestTags tags, boolean batch) {
        Instant now = Instant.now();
        try {
            return reserve(requestId, orgId, keyId, model, now, promptTokens, maxTokens, tags, batch);
        } catch (BudgetExceededException refused) { // rolled back; the alert is written on its own
            alertExhausted(orgId, keyId, now, refused);
            throw refused;
        }
    }

    /**
     * One short transaction on one pooled connection: the prices at this instant, then the reservation
     * ({@link Budgets#reserve}).
     */
    @Transactional
    Admission reserve(String requestId, UUID orgId, UUID keyId, String model, Instant now, int promptTokens,
                      int maxTokens, RequestTags tags, boolean batch) {
        try (Connection c = db.getConnection()) {
            Prices prices = PriceBook.pricesAt(c, model, now, batch)
                    .orElseThrow(() -> new UnpricedModelException(model));
            Admission a = new Admission(requestId, orgId, keyId, model, now, prices, prices.cost(promptTokens, maxTokens),
                    tags);
            Budgets.reserve(c, a, nodeId);
            return a;
        } catch (SQLException e) {
            throw new IllegalStateException("could not reserve budget for request " + requestId, e);
        }
    }

    /** Records the request's real usage exactly once and returns the event with its exact cost. */
    public UsageEvent settle(Admission a, int promptTokens, int completionTokens, UsageStatus status) {
        return settle(a, promptTokens, 0, completionTokens, status);
    }

    /** As {@link #settle(Admission, int, int, String)}, {@code cachedTokens} of the prompt from the prefix cache. */
    public UsageEvent settle(Admission a, int promptTokens, int cachedTokens, int completionTokens, UsageStatus status) {
        int cached = Math.clamp(cachedTokens, 0, promptTokens);
        BigDecimal cost = costOf(a.prices(), promptTokens, cached, completionTokens, status);
        UsageEvent event = new UsageEvent(a.requestId(), a.orgId(), a.keyId(), a.model(), promptTokens,
                completionTokens, status, a.admittedAt(), Instant.now(), cost, cached);
        UsageLedger.Recorded recorded;
        try {
            recorded = ledger.recordAll(event, a.prices(), a.tags());
        } catch (RuntimeException e) {
            if (!DatabaseOutage.causedBy(e)) {
                throw e;
            }
            spool.keep(event, a.prices(), a.tags()); // written to the ledger once the database is back
            publish(usageEvents, event);
            return event;
        }
        publish(usageEvents, event);
        recorded.alerts().forEach(alert -> publish(budgetAlerts, alert));
        return event;
    }

    /** The billed cost: exact at the admission prices; a request that failed before any output costs nothing. */
    public static BigDecimal costOf(Prices prices, int promptTokens, int completionTokens, UsageStatus status) {
        return costOf(prices, promptTokens, 0, completionTokens, status);
    }

    /** The billed cost with {@code cachedTokens} of the prompt at the cached-input price. */
    public static BigDecimal costOf(Prices prices, int promptTokens, int cachedTokens, int completionTokens,
                                    UsageStatus status) {
        return billed(status, completionTokens)
                ? prices.cost(promptTokens, cachedTokens, completionTokens)
                : BigDecimal.ZERO;
    }

    /** Whether a request is billed at all: one that failed before any output is not. */
    static boolean billed(UsageStatus status, int completionTokens) {
        return !(status == UsageStatus.FAILED && completionTokens == 0);
    }

    /** Releases one reservation by request id; returns false when it was already settled or released. */
    @Transactional
    public boolean release(String requestId) {
        try (Connection c = db.getConnection()) {
            return Budgets.release(c, requestId);
        } catch (SQLException e) {
            throw new IllegalStateException("could not release the reservation of request " + requestId, e);
        }
    }

    String nodeId() {
        return nodeId;
    }

    private void alertExhausted(UUID orgId, UUID keyId, Instant at, BudgetExceededException refused) {
        BudgetScope scope = refused.cap().scope();
        if (scope == null) { // the prepaid credit: no cap to flag
            return;
        }
        try (Connection c = db.getConnection()) {
            Optional<BudgetAlert> alert = Budgets.exhausted(c, orgId, scope,
                    scope == BudgetScope.ORG ? orgId : keyId, at);
            alert.ifPresent(x -> publish(budgetAlerts, x));
        } catch (SQLException e) {
            LOG.warnf("could not flag the exhausted %s of org %s: %s", refused.cap(), orgId, e.getMessage());
        }
    }

    /** The ledger row is already committed: a failed publish is logged, never turned into a request error. */
    private static <T> void publish(Emitter<T> emitter, T payload) {
        try {
            emitter.send(payload).exceptionally(e -> {
                LOG.warnf("publishing %s failed: %s", payload.getClass().getSimpleName(), e.getMessage());
                return null;
            });
        } catch (RuntimeException e) {
            LOG.warnf("publishing %s failed: %s", payload.getClass().getSimpleName(), e.getMessage());
        }
    }

}
