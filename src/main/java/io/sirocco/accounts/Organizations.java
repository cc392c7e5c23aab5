package io.sirocco.accounts;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Organizations, their members and plans. Every read that a customer can trigger is scoped by org id. */
@ApplicationScoped
public class Organizations {

    private static final String ORG_COLUMNS = "select id, name, plan, rpm_limit, tpm_limit, allowed_models, created_at from organizations";

    @Inject
    AgroalDataSource db;
    @Inject
    AuditLog audit;

    /** Creates an org on the default plan with its first member as owner (joins the caller's transaction). */
    public UUID createWithOwner(String name, String userId, String email) {
        UUID id = UUID.randomUUID();
        try (Connection c = db.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("insert into organizations (id, name) values (?, ?)")) {
                ps.setObject(1, id);
                ps.setString(2, name);
                ps.executeUpdate();
            }
            addMember(c, id, userId, email, Member.OWNER);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create organization", e);
        }
        return id;
    }

    private static void addMember(Connection c, UUID orgId, String userId, String email, String role) throws SQLException {
        String sql = "insert into org_members (org_id, user_id, email, role) values (?,?,?,?) on conflict do nothing";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, orgId);
            ps.setString(2, userId);
            ps.setString(3, email);
            ps.setString(4, role);
            ps.executeUpdate();
        }
    }

    /** The user's memberships, oldest first. */
    public List<Member> membershipsOf(String userId) {
        return members("where user_id = ? order by created_at, org_id", userId);
    }

    /** The user's membership of this org, if any: the check behind every console route. */
    public Optional<Member> membership(String userId, UUID orgId) {
        return members("where user_id = ? and org_id = ?", userId, orgId).stream().findFirst();
    }

    public List<Member> members(UUID orgId) {
        return members("where org_id = ? order by created_at, user_id", orgId);
    }

    private List<Member> members(String where, Object... args) {
        String sql = "select org_id, user_id, email, role, created_at from org_members " + where;
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<Member> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Member(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getTimestamp(5).toInstant()));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("could not read members", e);
        }
    }

    public Optional<Organization> find(UUID orgId) {
        return orgs(" where id = ?", orgId).stream().findFirst();
    }

    /** Every org, newest first (admin view). */
    public List<Organization> all() {
        return orgs(" order by created_at desc, id");
    }

    private List<Organization> orgs(String tail, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(ORG_COLUMNS + tail)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<Organization> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Organization(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                            rs.getInt(4), rs.getInt(5), strings(rs.getArray(6)), rs.getTimestamp(7).toInstant()));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("could not read organizations", e);
        }
    }

    public List<Plan> plans() {
        String sql = "select name, rpm_limit, tpm_limit, allowed_models from plans order by rpm_limit, name";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            List<Plan> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Plan(rs.getString(1), rs.getInt(2), rs.getInt(3), strings(rs.getArray(4))));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("could not read plans", e);
        }
    }

    /** Models that have a price: the tiers a plan or key may name. */
    public Set<String> knownModels() {
        String sql = "select distinct model from price_book order by model";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            Set<String> out = new LinkedHashSet<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("could not read models", e);
        }
    }

    /**
     * Sets an org's plan: the preset's limits, each overridable. Keys without their own limits follow at once
     * (the gateway's key lookup reads the org's limits; cached at most the key-cache TTL).
     */
    public Organization changePlan(UUID orgId, String planName, Integer rpm, Integer tpm, List<String> models,
                                   String actor) {
        Organization org = find(orgId).orElseThrow(() -> AccountsException.notFound("No such organization."));
        Plan plan = plans().stream().filter(p -> p.name().equals(planName)).findFirst()
                .orElseThrow(() -> AccountsException.invalid("plan", "Unknown plan: choose one of "
                        + plans().stream().map(Plan::name).toList() + "."));
        int newRpm = rpm != null ? rpm : plan.rpmLimit();
        int newTpm = tpm != null ? tpm : plan.tpmLimit();
        if (newRpm < 1 || newRpm > 1_000_000) {
            throw AccountsException.invalid("rpm_limit", "rpm_limit must be between 1 and 1000000.");
        }
        if (newTpm < 1 || newTpm > 1_000_000_000) {
            throw AccountsException.invalid("tpm_limit", "tpm_limit must be between 1 and 1000000000.");
        }
        List<String> newModels = models != null ? models : plan.allowedModels();
        Set<String> known = knownModels();
        for (String m : newModels) {
            if (!known.contains(m)) {
                throw AccountsException.invalid("allowed_models", "Unknown model: " + m + ".");
            }
        }
        String sql = "update organizations set plan = ?, rpm_limit = ?, tpm_limit = ?, allowed_models = ? where id = ?";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, plan.name());
            ps.setInt(2, newRpm);
            ps.setInt(3, newTpm);
            ps.setArray(4, newModels.isEmpty() ? null : c.createArrayOf("text", newModels.toArray()));
            ps.setObject(5, orgId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not change plan", e);
        }
        audit.record(AccountEvent.of(AccountEvent.PLAN_CHANGED, actor, org.name(), orgId,
                plan.name() + " rpm=" + newRpm + " tpm=" + newTpm + " models=" + (newModels.isEmpty() ? "all" : newModels)));
        return find(orgId).orElseThrow();
    }

    /** Adds a member to an existing org (joins the caller's transaction). */
    public void addMember(UUID orgId, String userId, String email, String role) {
        try (Connection c = db.getConnection()) {
            addMember(c, orgId, userId, email, role);
        } catch (SQLException e) {
            throw new IllegalStateException("could not add member", e);
        }
    }

    static List<String> strings(Array a) throws SQLException {
        return a == null ? List.of() : List.of((String[]) a.getArray());
    }
}
