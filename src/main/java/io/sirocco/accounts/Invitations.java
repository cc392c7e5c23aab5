package io.sirocco.accounts;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Invitations: admins invite waitlist entries (FIFO or selected); each invitation is a single-use token link that
 * expires, mailed to the person; only its SHA-256 is stored. Accepting creates (or links) the Keycloak user with role
 * {@code customer} and their organization.
 */
@ApplicationScoped
public class Invitations {

    public static final int MAX_BATCH = 500;
    private static final String COLUMNS = """
            select i.id, i.entry_id, i.email, coalesce(e.name, i.email), i.invited_by, i.created_at, i.expires_at,
                   i.accepted_at, i.revoked_at, i.org_id, i.role
            from invitations i left join waitlist_entries e on e.id = i.entry_id""";

    @Inject
    AgroalDataSource db;
    @Inject
    AuditLog audit;
    @Inject
    AccountsMail mail;
    @Inject
    KeycloakUsers keycloakUsers;
    @Inject
    Organizations organizations;
    @ConfigProperty(name = "sirocco.accounts.invitation-ttl", defaultValue = "7D")
    Duration ttl;

    /** Invites the next {@code count} waiting entries in signup order. */
    @Transactional
    public List<SentInvitation> inviteNext(int count, String actor) {
        if (count < 1 || count > MAX_BATCH) {
            throw AccountsException.invalid("count", "count must be between 1 and " + MAX_BATCH + ".");
        }
        String sql = "select id from waitlist_entries where status = 'waiting' order by seq limit ? for update skip locked";
        List<UUID> ids = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, count);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the waitlist", e);
        }
        return inviteSelected(ids, actor);
    }

    /**
     * Invites these entries. Entries that are waiting, were revoked, or whose last invitation expired can be
     * invited; an entry with a pending or accepted invitation is refused (400).
     */
    @Transactional
    public List<SentInvitation> inviteSelected(Collection<UUID> entryIds, String actor) {
        if (entryIds.size() > MAX_BATCH) {
            throw AccountsException.invalid("entry_ids", "At most " + MAX_BATCH + " entries at once.");
        }
        List<SentInvitation> sent = new ArrayList<>();
        for (UUID entryId : entryIds.stream().distinct().toList()) {
            sent.add(invite(entryId, actor));
        }
        return sent;
    }

    private SentInvitation invite(UUID entryId, String actor) {
        try (Connection c = db.getConnection()) {
            String email;
            String name;
            try (PreparedStatement ps = c.prepareStatement(
                    "select email, name, status from waitlist_entries where id = ? for update")) {
                ps.setObject(1, entryId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw AccountsException.invalid("entry_ids", "No waitlist entry " + entryId + ".");
                    }
                    email = rs.getString(1);
                    name = rs.getString(2);
                    if (WaitlistEntry.ACCEPTED.equals(rs.getString(3))) {
                        throw AccountsException.invalid("entry_ids", email + " has already accepted an invitation.");
                    }
                }
            }
            if (pendingFor(c, entryId)) {
                throw AccountsException.invalid("entry_ids", email + " already has a pending invitation.");
            }
            String token = SecretTokens.newToken();
            UUID id = UUID.randomUUID();
            Instant expires = Instant.now().plus(ttl);
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into invitations (id, entry_id, email, token_hash, invited_by, expires_at)
                    values (?,?,?,?,?,?)""")) {
                ps.setObject(1, id);
                ps.setObject(2, entryId);
                ps.setString(3, email);
                ps.setString(4, SecretTokens.hash(token));
                ps.setString(5, Text.clip(actor, 200));
                ps.setTimestamp(6, Timestamp.from(expires));
                ps.executeUpdate();
            }
            setEntryStatus(c, entryId, WaitlistEntry.INVITED);
            mail.invitation(email, name, token, expires);
            audit.publish(AccountEvent.of(AccountEvent.INVITE, actor, email, null, "expires " + expires));
            return new SentInvitation(find(c, " where i.id = ?", id).orElseThrow());
        } catch (SQLException e) {
            throw new IllegalStateException("could not create invitation", e);
        }
    }

    private static boolean pendingFor(Connection c, UUID entryId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select 1 from invitations where entry_id = ? and accepted_at is null and revoked_at is null
                and expires_at > now()""")) {
            ps.setObject(1, entryId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void setEntryStatus(Connection c, UUID entryId, String status) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "update waitlist_entries set status = ?, updated_at = now() where id = ?")) {
            ps.setString(1, status);
            ps.setObject(2, entryId);
            ps.executeUpdate();
        }
    }

    /** Revokes a pending invitation; its link then shows a "revoked" page. */
    @Transactional
    public Invitation revoke(UUID invitationId, String actor) {
        try (Connection c = db.getConnection()) {
            Invitation inv = find(c, " where i.id = ? for update of i", invitationId)
                    .orElseThrow(() -> AccountsException.notFound("No such invitation."));
            if (!Invitation.PENDING.equals(inv.status())) {
                throw new AccountsException(409, "invitation_not_pending", null,
                        "This invitation is " + inv.status() + " and cannot be revoked.");
            }
            try (PreparedStatement ps = c.prepareStatement("update invitations set revoked_at = now() where id = ?")) {
                ps.setObject(1, invitationId);
                ps.executeUpdate();
            }
            if (inv.entryId() != null) {
                setEntryStatus(c, inv.entryId(), WaitlistEntry.REVOKED);
            }
            audit.publish(AccountEvent.of(AccountEvent.REVOKE, actor, inv.email(), null, null));
            return find(c, " where i.id = ?", invitationId).orElseThrow();
        } catch (SQLException e) {
            throw new IllegalStateException("could not revoke invitation", e);
        }
    }

    /** What a token link leads to. Unknown and malformed tokens look the same. */
    public InvitationLink open(String token) {
        Optional<Invitation> inv = byToken(token);
        if (inv.isEmpty()) {
            return new InvitationLink(null, InvitationLink.UNKNOWN, false);
        }
        String state = inv.get().status();
        boolean existing = Invitation.PENDING.equals(state) && keycloakUsers.findByEmail(inv.get().email()).isPresent();
        return new InvitationLink(inv.get(), state, existing);
    }

    private Optional<Invitation> byToken(String token) {
        if (!SecretTokens.looksLikeToken(token)) {
            return Optional.empty();
        }
        try (Connection c = db.getConnection()) {
            return find(c, " where i.token_hash = ?", SecretTokens.hash(token));
        } catch (SQLException e) {
            throw new IllegalStateException("could not read invitation", e);
        }
    }

    /**
     * Uses the token: creates the Keycloak user (or links the existing account with that email), grants
     * {@code customer}, creates their org with them as owner (unless a linked account already has one), and marks the
     * invitation used. The row lock makes a second, concurrent use see "accepted".
     */
    @Transactional
    public AcceptResult accept(String token, AcceptForm form) {
        if (!SecretTokens.looksLikeToken(token)) {
            throw unusable(InvitationLink.UNKNOWN);
        }
        try (Connection c = db.getConnection()) {
            Invitation inv = find(c, " where i.token_hash = ? for update of i", SecretTokens.hash(token))
                    .orElseThrow(() -> unusable(InvitationLink.UNKNOWN));
            if (!Invitation.PENDING.equals(inv.status())) {
                throw unusable(inv.status());
            }
            Optional<String> existing = keycloakUsers.findByEmail(inv.email());
            String userId;
            UUID orgId;
            if (inv.isTeam()) {
                userId = existing.orElseGet(() -> {
                    form.validateNewAccount();
                    return keycloakUsers.create(inv.email(), form.firstName().strip(), form.lastName().strip(),
                            form.password());
                });
                keycloakUsers.grantCustomer(userId);
                orgId = inv.orgId();
                organizations.addMember(orgId, userId, inv.email(), inv.role());
            } else if (existing.isPresent()) {
                form.validateOrgName();
                userId = existing.get();
                keycloakUsers.grantCustomer(userId);
                List<Member> memberships = organizations.membershipsOf(userId);
                orgId = memberships.isEmpty()
                        ? organizations.createWithOwner(orgName(form, inv), userId, inv.email())
                        : memberships.getFirst().orgId();
            } else {
                form.validateNewAccount();
                userId = keycloakUsers.create(inv.email(), form.firstName().strip(), form.lastName().strip(),
                        form.password());
                keycloakUsers.grantCustomer(userId);
                orgId = organizations.createWithOwner(orgName(form, inv), userId, inv.email());
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "update invitations set accepted_at = now(), user_id = ?, org_id = ? where id = ?")) {
                ps.setString(1, userId);
                ps.setObject(2, orgId);
                ps.setObject(3, inv.id());
                ps.executeUpdate();
            }
            if (inv.entryId() != null) {
                setEntryStatus(c, inv.entryId(), WaitlistEntry.ACCEPTED);
            }
            audit.publish(AccountEvent.of(inv.isTeam() ? AccountEvent.MEMBER_JOINED : AccountEvent.ACCEPT, inv.email(),
                    inv.email(), orgId, (existing.isPresent() ? "linked existing account" : "new account")
                            + (inv.isTeam() ? ", role " + inv.role() : "")));
            return new AcceptResult(inv.email(), userId, orgId, existing.isPresent());
        } catch (SQLException e) {
            throw new IllegalStateException("could not accept invitation", e);
        }
    }

    private static String orgName(AcceptForm form, Invitation inv) {
        String o = Text.trimToNull(form.orgName());
        return o != null ? o : Text.clip(inv.name() + "'s organization", AcceptForm.ORG_MAX);
    }

    /** The refusal for a link that cannot be used: 404 unknown, 410 expired/used/revoked. */
    public static AccountsException unusable(String state) {
        return switch (state) {
            case Invitation.EXPIRED -> new AccountsException(410, "invitation_expired", null,
                    "This invitation has expired. Ask us for a new one.");
            case Invitation.ACCEPTED -> new AccountsException(410, "invitation_used", null,
                    "This invitation has already been used. Sign in with the account it created.");
            case Invitation.REVOKED -> new AccountsException(410, "invitation_revoked", null,
                    "This invitation has been withdrawn.");
            default -> new AccountsException(404, "invitation_unknown", null,
                    "This invitation link is not valid. Check that you copied all of it.");
        };
    }

    /** Latest invitations first. */
    public List<Invitation> latest(int limit) {
        try (Connection c = db.getConnection()) {
            return findAll(c, " order by i.created_at desc, i.id limit ?", limit);
        } catch (SQLException e) {
            throw new IllegalStateException("could not read invitations", e);
        }
    }

    public Optional<Invitation> find(UUID id) {
        try (Connection c = db.getConnection()) {
            return find(c, " where i.id = ?", id);
        } catch (SQLException e) {
            throw new IllegalStateException("could not read invitation", e);
        }
    }

    private static Optional<Invitation> find(Connection c, String tail, Object arg) throws SQLException {
        return findAll(c, tail, arg).stream().findFirst();
    }

    private static List<Invitation> findAll(Connection c, String tail, Object arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(COLUMNS + tail)) {
            ps.setObject(1, arg);
            List<Invitation> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Invitation(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                            rs.getString(4), rs.getString(5), ts(rs, 6), ts(rs, 7), ts(rs, 8), ts(rs, 9),
                            rs.getObject(10, UUID.class), rs.getString(11)));
                }
            }
            return out;
        }
    }

    private static Instant ts(ResultSet rs, int i) throws SQLException {
        Timestamp t = rs.getTimestamp(i);
        return t == null ? null : t.toInstant();
    }
}
