package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Org billing settings: spend caps (org and key), country and VAT number, prepaid credit and top-ups. */
@ApplicationScoped
public class BillingAccounts {
    /** Largest single credit movement (the column holds far more; this catches typos and hostile input). */
    public static final BigDecimal MAX_TOP_UP = new BigDecimal("1000000");
    /** credit_transactions.note is varchar(500). */
    public static final int NOTE_MAX = 500;

    /** An org's billing profile. {@code credit*} are meaningful only when credit is enabled. */
    public record Profile(UUID orgId, String orgName, String country, String vatNumber, boolean creditEnabled,
                          BigDecimal creditBalanceEur, BigDecimal creditReservedEur, BigDecimal orgCapEur,
                          BigDecimal monthSpentEur, BigDecimal monthReservedEur) {
    }

    /** A cap (org or key) with this month's spend and open reservations. */
    public record CapStatus(String scope, UUID scopeId, String name, BigDecimal capEur, BigDecimal spentEur,
                            BigDecimal reservedEur, LocalDate resetsOn) {
    }

    /** An active key of the org with its optional cap and this month's spend. */
    public record KeyBudget(UUID keyId, String name, String prefix, BigDecimal capEur, BigDecimal spentEur) {
    }

    /** A recorded alert. */
    public record Alert(String scope, UUID scopeId, LocalDate period, int threshold, BigDecimal spentEur,
                        BigDecimal capEur, Instant at) {
    }

    @Inject
    AgroalDataSource db;

    public void setOrgCap(UUID orgId, BigDecimal cap) {
        setCap(BudgetScope.ORG, orgId, orgId, cap);
    }

    /** Sets a key's cap; the key must belong to the org (checked, never trusted from the caller). */
    public void setKeyCap(UUID orgId, UUID keyId, BigDecimal cap) {
        if (!keyBelongsTo(orgId, keyId)) {
            throw new IllegalArgumentException("no such key in this organization");
        }
        setCap(BudgetScope.KEY, keyId, orgId, cap);
    }

    private void setCap(BudgetScope scope, UUID id, UUID orgId, BigDecimal cap) {
        if (cap != null && cap.signum() < 0) {
            throw new IllegalArgumentException("a cap must be zero or positive");
        }
        if (cap != null && (cap.scale() > 9 || cap.precision() - cap.scale() > 11)) {
            throw new IllegalArgumentException("a cap has at most 11 integer digits and 9 decimals");
        }
        String sql = cap == null
                ? "delete from spend_caps where scope = ? and scope_id = ? and org_id = ?"
                : """
                insert into spend_caps (scope, scope_id, org_id, monthly_cap_eur) values (?,?,?,?)
                on conflict (scope, scope_id) do update set monthly_cap_eur = excluded.monthly_cap_eur, updated_at = now()""";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, scope.column());
            ps.setObject(2, id);
            ps.setObject(3, orgId);
            if (cap != null) {
                ps.setBigDecimal(4, cap);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not set the cap", e);
        }
    }

    /** Country (ISO alpha-2, or null) and VAT number (null: consumer) used on invoices. */
    public void setProfile(UUID orgId, String country, String vatNumber, boolean creditEnabled) {
        String cc = country == null || country.isBlank() ? null : country.trim().toUpperCase();
        if (cc != null && !cc.matches("[A-Z]{2}")) {
            throw new IllegalArgumentException("country must be a two-letter ISO code");
        }
        String vat = vatNumber == null || vatNumber.isBlank() ? null : vatNumber.trim();
        if (vat != null && !vat.matches("[A-Za-z0-9 .-]{2,32}")) {
            throw new IllegalArgumentException("VAT number must be 2-32 letters or digits");
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                insert into billing_accounts (org_id, country, vat_number, credit_enabled) values (?,?,?,?)
                on conflict (org_id) do update set country = excluded.country, vat_number = excluded.vat_number,
                    credit_enabled = excluded.credit_enabled, updated_at = now()""")) {
            ps.setObject(1, orgId);
            ps.setString(2, cc);
            ps.setString(3, vat);
            ps.setBoolean(4, creditEnabled);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not save the billing profile", e);
        }
    }

    /** Records an admin top-up (or a negative adjustment) and adds it to the org's credit balance. */
    @Transactional
    public void topUp(UUID orgId, BigDecimal amount, String note, String by) {
        if (amount == null || amount.signum() == 0 || amount.scale() > 9
                || amount.abs().compareTo(MAX_TOP_UP) > 0) {
            throw new IllegalArgumentException("amount must be a non-zero number of euros, at most "
                    + MAX_TOP_UP.toPlainString() + ", with at most 9 decimals");
        }
        if (note != null && note.length() > NOTE_MAX) {
            throw new IllegalArgumentException("note can be at most " + NOTE_MAX + " characters");
        }
        try (Connection c = db.getConnection();
             PreparedStatement ins = c.prepareStatement("""
                insert into credit_transactions (org_id, amount_eur, kind, note, created_by) values (?,?,?,?,?)""");
             PreparedStatement upd = c.prepareStatement("""
                insert into billing_accounts (org_id, credit_enabled, credit_balance_eur) values (?, true, ?)
                on conflict (org_id) do update set credit_balance_eur = billing_accounts.credit_balance_eur
                    + excluded.credit_balance_eur, credit_enabled = true, updated_at = now()""")) {
            ins.setObject(1, orgId);
            ins.setBigDecimal(2, amount);
            ins.setString(3, amount.signum() > 0 ? "topup" : "adjustment");
            ins.setString(4, note);
            ins.setString(5, by);
            ins.executeUpdate();
            upd.setObject(1, orgId);
            upd.setBigDecimal(2, amount);
            upd.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not record the top-up", e);
        }
    }

    public boolean keyBelongsTo(UUID orgId, UUID keyId) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select 1 from api_keys where id = ? and org_id = ?")) {
            ps.setObject(1, keyId);
            ps.setObject(2, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("key lookup failed", e);
        }
    }

    /** Every org with its profile, cap and this month's spend, biggest spenders first. */
    public List<Profile> profiles() {
        return queryProfiles(null);
    }

    public Optional<Profile> profile(UUID orgId) {
        return queryProfiles(orgId).stream().findFirst();
    }

    private List<Profile> queryProfiles(UUID orgId) {
        String sql = """
                select o.id, o.name, a.country, a.vat_number, coalesce(a.credit_enabled, false),
                       coalesce(a.credit_balance_eur, 0), coalesce(a.credit_reserved_eur, 0), s.monthly_cap_eur,
                       coalesce(b.spent_eur, 0), coalesce(b.reserved_eur, 0)
                from organizations o
                left join billing_accounts a on a.org_id = o.id
                left join spend_caps s on s.scope = 'org' and s.scope_id = o.id
                left join budget_periods b on b.scope = 'org' and b.scope_id = o.id and b.period = ?
                where (cast(? as uuid) is null or o.id = ?)
                order by coalesce(b.spent_eur, 0) desc, o.name limit 500""";
        List<Profile> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setDate(1, Date.valueOf(Months.periodOf(Instant.now())));
            ps.setObject(2, orgId);
            ps.setObject(3, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Profile(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                            rs.getString(4), rs.getBoolean(5), rs.getBigDecimal(6), rs.getBigDecimal(7),
                            rs.getBigDecimal(8), rs.getBigDecimal(9), rs.getBigDecimal(10)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read billing profiles", e);
        }
        return out;
    }

    /** The org's cap and its keys' caps, with this month's spend. */
    public List<CapStatus> caps(UUID orgId) {
        String sql = """
                select s.scope, s.scope_id, coalesce(k.name, o.name), s.monthly_cap_eur,
                       coalesce(b.spent_eur, 0), coalesce(b.reserved_eur, 0)
                from spend_caps s
                left join api_keys k on s.scope = 'key' and k.id = s.scope_id
                left join organizations o on s.scope = 'org' and o.id = s.scope_id
                left join budget_periods b on b.scope = s.scope and b.scope_id = s.scope_id and b.period = ?
                where s.org_id = ? order by s.scope desc, 3""";
        Instant now = Instant.now();
        List<CapStatus> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setDate(1, Date.valueOf(Months.periodOf(now)));
            ps.setObject(2, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new CapStatus(rs.getString(1), rs.getObject(2, UUID.class), rs.getString(3),
                            rs.getBigDecimal(4), rs.getBigDecimal(5), rs.getBigDecimal(6), Months.resetDate(now)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read caps", e);
        }
        return out;
    }

    /** The org's active (not revoked) keys with their caps and this month's spend. */
    public List<KeyBudget> keyBudgets(UUID orgId) {
        String sql = """
                select k.id, k.name, k.key_prefix, s.monthly_cap_eur, coalesce(b.spent_eur, 0)
                from api_keys k
                left join spend_caps s on s.scope = 'key' and s.scope_id = k.id
                left join budget_periods b on b.scope = 'key' and b.scope_id = k.id and b.period = ?
                where k.org_id = ? and k.revoked_at is null order by k.created_at, k.name""";
        List<KeyBudget> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setDate(1, Date.valueOf(Months.periodOf(Instant.now())));
            ps.setObject(2, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new KeyBudget(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                            rs.getBigDecimal(4), rs.getBigDecimal(5)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read key budgets", e);
        }
        return out;
    }

    /** The org's most recent alerts. */
    public List<Alert> alerts(UUID orgId, int limit) {
        List<Alert> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                select scope, scope_id, period, threshold, spent_eur, cap_eur, created_at from budget_alerts
                where org_id = ? order by created_at desc, id desc limit ?""")) {
            ps.setObject(1, orgId);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Alert(rs.getString(1), rs.getObject(2, UUID.class), rs.getDate(3).toLocalDate(),
                            rs.getInt(4), rs.getBigDecimal(5), rs.getBigDecimal(6), rs.getTimestamp(7).toInstant()));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read alerts", e);
        }
        return out;
    }
}
