package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** Records cap alerts from the {@code budget-alerts} channel for the console; a redelivery is a no-op. */
@ApplicationScoped
public class BudgetAlertConsumer {
    private static final Logger LOG = Logger.getLogger(BudgetAlertConsumer.class);

    @Inject
    AgroalDataSource db;

    @Incoming("budget-alerts")
    @Blocking
    public void onAlert(BudgetAlert a) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                insert into budget_alerts (org_id, scope, scope_id, period, threshold, spent_eur, cap_eur)
                values (?,?,?,?,?,?,?) on conflict (scope, scope_id, period, threshold) do nothing""")) {
            ps.setObject(1, a.orgId());
            ps.setString(2, a.scope().column());
            ps.setObject(3, a.scopeId());
            ps.setDate(4, Date.valueOf(a.period()));
            ps.setInt(5, a.threshold());
            ps.setBigDecimal(6, a.spentEur());
            ps.setBigDecimal(7, a.capEur());
            ps.executeUpdate();
            LOG.infof("budget alert: %s %s reached %d%% of its cap for %s", a.scope(), a.scopeId(), a.threshold(),
                    a.period());
        } catch (SQLException e) {
            throw new IllegalStateException("could not record budget alert", e);
        }
    }
}
