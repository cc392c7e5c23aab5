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
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * An organization's team: owners invite people by email with a role (through the same single-use invitation link
 * as the waitlist), change roles and remove members. Removing a member revokes the keys they answer for, unless they
 * are transferred to another member who may manage keys. An org always keeps at least one owner. Every change is in
 * the audit log (who, what, when). A member's playground key is never transferred: it is revoked with them.
 */
@ApplicationScoped
public class Teams {

    @Inject
    AgroalDataSource db;
    @Inject
    Organizations organizations;
    @Inject
    ApiKeys apiKeys;
    @Inject
    AccountsMail mail;
    @Inject
    AuditLog audit;
    @ConfigProperty(name = "sirocco.accounts.invitation-ttl", defaultValue = "7D")
    Duration ttl;

    /** Invites {@code email} into the org with {@code role}; mails the link. 409 when already a member or invited. */
    @Transactional
    public Invitation invite(UUID orgId, String email, String role, String actor) {
        String to = Text.normalizeEmail(email);
        if (to == null || !Text.isEmail(to)) {
            throw AccountsException.invalid("email", "That does not look like an email address.");
        }
        OrgRole r = OrgRole.parse("role", role);
        Organization org = organizations.find(orgId).orElseThrow(() -> AccountsException.notFound("No such organization."));
        try (Connection c = db.getConnection()) {
            lockMembers(c, orgId);
            if (organizations.members(orgId).stream().anyMatch(m -> m.email().equalsIgnoreCase(to))) {
                throw new AccountsException(409, "already_member", "email", to + " is already a member.");
            }
            if (pending(orgId).stream().anyMatch(i -> i.email().equalsIgnoreCase(to))) {
                throw new AccountsException(409, "already_invited", "email",
                        to + " already has a pending invitation. Withdraw it to send a new one.");
            }
            String token = SecretTokens.newToken();
            UUID id = UUID.randomUUID();
            Instant expires = Instant.now().plus(ttl);
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into invitations (id, entry_id, email, token_hash, invited_by, expires_at, org_id, role)
                    values (?, null, ?, ?, ?, ?, ?, ?)""")) {
                ps.setObject(1, id);
                ps.setString(2, to);
                ps.setString(3, SecretTokens.hash(token));
                ps.setString(4, Text.clip(actor, 200));
                ps.setTimestamp(5, Timestamp.from(expires));
                ps.setObject(6, orgId);
                ps.setString(7, r.id());
                ps.executeUpdate();
            }
            mail.teamInvitation(to, org.name(), actor, r.id(), token, expires);
            audit.record(AccountEvent.of(AccountEvent.MEMBER_INVITED, actor, to, orgId, "role " + r.id()));
            return invitation(orgId, id);
        } catch (SQLException e) {
            throw new IllegalStateException("could not invite", e);
        }
    }

    /** The org's team invitations not yet accepted, withdrawn or expired, newest first. */
    public List<Invitation> pending(UUID orgId) {
        return invitations(orgId).stream().filter(i -> Invitation.PENDING.equals(i.status())).toList();
    }

    /** Withdraws a pending team invitation of this org (its link then says so). 404 for another org's. */
    @Transactional
    public Invitation withdraw(UUID orgId, UUID invitationId, String actor) {
        Invitation inv = invitation(orgId, invitationId);
        if (!Invitation.PENDING.equals(inv.status())) {
            throw new AccountsException(409, "invitation_not_pending", null,
                    "This invitation is " + inv.status() + " and cannot be withdrawn.");
        }
        update("update invitations set revoked_at = now() where id = ? and org_id = ?", invitationId, orgId);
        audit.record(AccountEvent.of(AccountEvent.MEMBER_INVITATION_REVOKED, actor, inv.email(), orgId,
                "role " + inv.role()));
        return invitation(orgId, invitationId);
    }

    /** Gives a member another role. 409 when that would leave the org without an owner. */
    @Transactional
    public Member changeRole(UUID orgId, String userId, String role, String actor) {
        OrgRole r = OrgRole.parse("role", role);
        try (Connection c = db.getConnection()) {
            lockMembers(c, orgId);
            Member m = member(orgId, userId);
            if (m.orgRole() == r) {
                return m;
            }
            if (m.isOwner()) {
                requireAnotherOwner(orgId, userId, "change the role of");
            }
            update("update org_members set role = ? where org_id = ? and user_id = ?", r.id(), orgId, userId);
            audit.record(AccountEvent.of(AccountEvent.MEMBER_ROLE_CHANGED, actor, m.email(), orgId,
                    m.role() + " -> " + r.id()));
            return member(orgId, userId);
        } catch (SQLException e) {
            throw new IllegalStateException("could not change role", e);
        }
    }

    /** What a removal did to the member's keys. */
    public record Removal(Member removed, List<String> revokedKeys, int transferredKeys, Member transferredTo) {
    }

    /**
     * Removes a member. The keys they answer for go to {@code transferTo} (a member whose role may manage keys) when
     * given, else they are revoked at once. 409 when it would leave the org without an owner.
     */
    @Transactional
    public Removal remove(UUID orgId, String userId, String transferTo, String actor) {
        try (Connection c = db.getConnection()) {
            lockMembers(c, orgId);
            Member m = member(orgId, userId);
            if (m.isOwner()) {
                requireAnotherOwner(orgId, userId, "remove");
            }
            Member heir = null;
            String to = Text.trimToNull(transferTo);
            if (to != null) {
                if (to.equals(userId)) {
                    throw AccountsException.invalid("transfer_to", "Transfer the keys to another member.");
                }
                heir = organizations.membership(to, orgId)
                        .orElseThrow(() -> AccountsException.invalid("transfer_to", "No such member to transfer the keys to."));
                if (!heir.may(Permission.KEYS)) {
                    throw AccountsException.invalid("transfer_to",
                            heir.email() + " has the " + heir.role() + " role, which cannot manage keys.");
                }
            }
            int transferred = heir == null ? 0 : apiKeys.transferOwned(orgId, userId, heir.userId());
            List<String> revoked = apiKeys.revokeOwnedBy(orgId, userId); // all of them, or what was not transferred
            
            update("delete from org_members where org_id = ? and user_id = ?", orgId, userId);
            audit.record(AccountEvent.of(AccountEvent.MEMBER_REMOVED, actor, m.email(), orgId, "was " + m.role() + "; "
                    + (heir == null ? "" : transferred + " key(s) transferred to " + heir.email() + ", ")
                    + revoked.size() + " key(s) revoked" + (revoked.isEmpty() ? "" : " " + revoked)));
            return new Removal(m, revoked, transferred, heir);
        } catch (SQLException e) {
            throw new IllegalStateException("could not remove member", e);
        }
    }

    /** Member changes of this org (invitations, joins, roles, removals), newest first. */
    public List<AccountEvent> history(UUID orgId, int limit) {
        return audit.latestOfOrg(orgId, "member.", limit);
    }

    private Member member(UUID orgId, String userId) {
        return organizations.membership(Objects.requireNonNull(userId), orgId)
                .orElseThrow(() -> AccountsException.notFound("No such member."));
    }

    private void requireAnotherOwner(UUID orgId, String userId, String what) {
        boolean other = organizations.members(orgId).stream().anyMatch(x -> x.isOwner() && !x.userId().equals(userId));
        if (!other) {
            throw new AccountsException(409, "last_owner", null, "You cannot " + what
                    + " the organization's only owner. Make another member owner first.");
        }
    }

    /** Serialises member changes of one org (the "at least one owner" rule is checked under this lock). */
    private static void lockMembers(Connection c, UUID orgId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select id from organizations where id = ? for update")) {
            ps.setObject(1, orgId);
            ps.executeQuery().close();
        }
    }

    private Invitation invitation(UUID orgId, UUID id) {
        return invitations(orgId).stream().filter(i -> i.id().equals(id)).findFirst()
                .orElseThrow(() -> AccountsException.notFound("No such invitation."));
    }

    private List<Invitation> invitations(UUID orgId) {
        String sql = """
                select id, email, invited_by, created_at, expires_at, accepted_at, revoked_at, role
                from invitations where org_id = ? and role is not null order by created_at desc, id limit 200""";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, orgId);
            List<Invitation> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Invitation(rs.getObject(1, UUID.class), null, rs.getString(2), rs.getString(2),
                            rs.getString(3), ts(rs, 4), ts(rs, 5), ts(rs, 6), ts(rs, 7), orgId, rs.getString(8)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("could not read invitations", e);
        }
    }

    private void update(String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not update the team", e);
        }
    }

    private static Instant ts(ResultSet rs, int i) throws SQLException {
        Timestamp t = rs.getTimestamp(i);
        return t == null ? null : t.toInstant();
    }
}
