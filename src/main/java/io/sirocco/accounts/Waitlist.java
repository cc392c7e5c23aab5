package io.sirocco.accounts;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The waitlist: idempotent signups, queue positions and the admin's view of it. */
@ApplicationScoped
public class Waitlist {

    private static final Logger LOG = Logger.getLogger(Waitlist.class);
    private static final String COLUMNS = """
            select e.id, e.seq, e.email, e.name, e.company, e.intended_use, e.status, e.created_at,
                   case when e.status = 'waiting'
                        then (select count(*) from waitlist_entries w where w.status = 'waiting' and w.seq <= e.seq)
                        else 0 end as position
            from waitlist_entries e""";

    @Inject
    AgroalDataSource db;
    @Inject
    AuditLog audit;
    @Inject
    AccountsMail mail;

    /**
     * Adds the person, or keeps their existing entry unchanged when the email is already listed. Either way the
     * status link goes to the address by mail, never in the answer: the public answer is the same for everyone,
     * so being on the list (and what was entered) cannot be learned from it. A repeated signup gets a fresh status
     * link (only its hash is stored, so the first one cannot be sent again; the old link stops working).
     * Throws {@link AccountsException} for invalid input.
     */
    public SignupResult signup(SignupRequest raw, String ip) {
        SignupRequest r = raw.validated();
        String token = SecretTokens.newToken();
        Optional<UUID> created = insert(r, token, ip);
        if (created.isEmpty()) {
            WaitlistEntry existing = renewStatusToken(r.email(), token);
            sendStatusLink(existing, token);
            return new SignupResult(existing, true, token);
        }
        WaitlistEntry entry = byId(created.get()).orElseThrow();
        audit.publish(AccountEvent.of(AccountEvent.SIGNUP, r.email(), r.email(), null,
                "position " + entry.position()));
        sendStatusLink(entry, token);
        return new SignupResult(entry, false, token);
    }

    private void sendStatusLink(WaitlistEntry entry, String token) {
        try {
            mail.waitlistConfirmation(entry.email(), entry.name(), entry.position(), token);
        } catch (RuntimeException e) {
            LOG.warnf("waitlist confirmation mail to entry %s failed: %s", entry.id(), e.getMessage());
        }
    }

    private WaitlistEntry renewStatusToken(String email, String token) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update waitlist_entries set status_token_hash = ? where email = ?")) {
            ps.setString(1, SecretTokens.hash(token));
            ps.setString(2, email);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not renew the status link", e);
        }
        return byEmail(email).orElseThrow();
    }

    private Optional<UUID> insert(SignupRequest r, String token, String ip) {
        String sql = """
                insert into waitlist_entries (id, email, name, company, intended_use, status_token_hash, signup_ip)
                values (?,?,?,?,?,?,?) on conflict (email) do nothing returning id""";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, UUID.randomUUID());
            ps.setString(2, r.email());
            ps.setString(3, r.name());
            ps.setString(4, r.company());
            ps.setString(5, r.intendedUse());
            ps.setString(6, SecretTokens.hash(token));
            ps.setString(7, Text.clip(ip, 64));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getObject(1, UUID.class)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not store waitlist entry", e);
        }
    }

    /** The entry behind a status-page token. */
    public Optional<WaitlistEntry> byStatusToken(String token) {
        if (!SecretTokens.looksLikeToken(token)) {
            return Optional.empty();
        }
        return query(" where e.status_token_hash = ?", SecretTokens.hash(token)).stream().findFirst();
    }

    public Optional<WaitlistEntry> byEmail(String email) {
        return query(" where e.email = ?", Text.normalizeEmail(email)).stream().findFirst();
    }

    public Optional<WaitlistEntry> byId(UUID id) {
        return query(" where e.id = ?", id).stream().findFirst();
    }

    /** Entries in queue order, optionally only those with one status. */
    public List<WaitlistEntry> list(String status, int limit) {
        return status == null
                ? query(" order by e.seq limit ?", limit)
                : query(" where e.status = ? order by e.seq limit ?", status, limit);
    }

    private List<WaitlistEntry> query(String tail, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(COLUMNS + tail)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<WaitlistEntry> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new WaitlistEntry(rs.getObject(1, UUID.class), rs.getLong(2), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
                            rs.getTimestamp(8).toInstant(), rs.getLong(9)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the waitlist", e);
        }
    }
}
