package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Releases reservations that no request will settle: at startup those this node left when it crashed, and
 * periodically any older than {@code sirocco.billing.reservation-timeout} (a node that died for good).
 */
@ApplicationScoped
public class ReservationSweeper {
    private static final Logger LOG = Logger.getLogger(ReservationSweeper.class);

    @Inject
    AgroalDataSource db;
    @Inject
    Metering metering;
    @ConfigProperty(name = "sirocco.billing.reservation-timeout", defaultValue = "PT30M")
    Duration timeout;

    void onStart(@Observes StartupEvent ev) {
        int n = sweep("select request_id from budget_reservations where node_id = ? and created_at < ?",
                metering.nodeId(), Instant.now());
        if (n > 0) {
            LOG.infof("released %d reservations left by a previous run of node %s", n, metering.nodeId());
        }
    }

    @Scheduled(every = "${sirocco.billing.sweep-every:60s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweepStale() {
        int n = sweep("select request_id from budget_reservations where node_id <> ? and created_at < ?",
                "", Instant.now().minus(timeout));
        if (n > 0) {
            LOG.infof("released %d reservations older than %s", n, timeout);
        }
    }

    private int sweep(String select, String node, Instant before) {
        List<String> ids = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(select)) {
            ps.setString(1, node);
            ps.setTimestamp(2, Timestamp.from(before));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            LOG.warnf("reservation sweep failed: %s", e.getMessage());
            return 0;
        }
        int released = 0;
        for (String id : ids) {
            if (metering.release(id)) {
                released++;
            }
        }
        return released;
    }
}
