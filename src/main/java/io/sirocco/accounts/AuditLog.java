package io.sirocco.accounts;

import io.agroal.api.AgroalDataSource;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The audit log. Waitlist and invitation events go out on {@code waitlist-events} and this bean is their consumer
 * (idempotent by event id); key and plan changes are written directly, in the request.
 */
@ApplicationScoped
public class AuditLog {

    @Inject
    AgroalDataSource db;
    @Inject
    @Channel("waitlist-events")
    Emitter<AccountEvent> waitlistEvents;

    @Inject
    TransactionSynchronizationRegistry transactions;

    /**
     * Publishes a waitlist/invitation event; the consumer below records it. Inside a transaction it goes out only
     * after the commit, so a rolled-back change never shows up as an event.
     */
    public void publish(AccountEvent event) {
        if (transactions.getTransactionStatus() == Status.STATUS_ACTIVE) {
            transactions.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                }

                @Override
                public void afterCompletion(int status) {
                    if (status == Status.STATUS_COMMITTED) {
                        waitlistEvents.send(event);
                    }
                }
            });
        } else {
            waitlistEvents.send(event);
        }
    }

    @Incoming("waitlist-events")
    @Blocking
    public void onEvent(AccountEvent event) {
        record(event);
    }

    /** Writes one row; a second write of the same event is a no-op. */
    public void record(AccountEvent e) {
        String sql = """
                insert into audit_log (event_id, at, type, actor, subject, org_id, detail) values (?,?,?,?,?,?,?)
                on conflict (event_id) do nothing""";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, e.eventId());
            ps.setTimestamp(2, Timestamp.from(e.at()));
            ps.setString(3, e.type());
            ps.setString(4, Text.clip(e.actor(), 254));
            ps.setString(5, Text.clip(e.subject(), 254));
            ps.setObject(6, e.orgId());
            ps.setString(7, Text.clip(e.detail(), 2000));
            ps.executeUpdate();
        } catch (SQLException ex) {
            throw new IllegalStateException("could not write the audit log", ex);
        }
    }

    /** One org's entries whose type starts with {@code typePrefix} (e.g. {@code member.}), newest first. */
    public List<AccountEvent> latestOfOrg(UUID orgId, String typePrefix, int limit) {
        String sql = "select event_id, type, actor, subject, org_id, detail, at from audit_log"
                + " where org_id = ? and type like ? order by at desc, id desc limit ?";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, orgId);
            ps.setString(2, typePrefix.replace("%", "") + "%");
            ps.setInt(3, limit);
            return read(ps);
        } catch (SQLException ex) {
            throw new IllegalStateException("could not read the audit log", ex);
        }
    }

    private static List<AccountEvent> read(PreparedStatement ps) throws SQLException {
        List<AccountEvent> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new AccountEvent(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getObject(5, UUID.class), rs.getString(6), rs.getTimestamp(7).toInstant()));
            }
        }
        return out;
    }

    /** The latest entries, newest first, optionally only those about one subject. */
    public List<AccountEvent> latest(String subject, int limit) {
        String sql = "select event_id, type, actor, subject, org_id, detail, at from audit_log"
                + (subject == null ? "" : " where subject = ?") + " order by at desc, id desc limit ?";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (subject != null) {
                ps.setString(i++, subject);
            }
            ps.setInt(i, limit);
            List<AccountEvent> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new AccountEvent(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                            rs.getString(4), rs.getObject(5, UUID.class), rs.getString(6),
                            rs.getTimestamp(7).toInstant()));
                }
            }
            return out;
        } catch (SQLException ex) {
            throw new IllegalStateException("could not read the audit log", ex);
        }
    }
}
