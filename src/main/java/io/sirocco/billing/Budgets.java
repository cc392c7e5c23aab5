package io.sirocco.billing;

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

/**
 * Spend caps and reservations, as SQL run inside the caller's transaction. Each reservation is one conditional
 * UPDATE per budget row ({@code spent + reserved + worst <= cap}), which row-locks it: concurrent admissions
 * against the same cap serialize there, so spent never passes the cap by more than one request's worst case.
 */
final class Budgets {
    private Budgets() {
    }

    /** A reservation's spend caps (empty: none) and whether the org draws on prepaid credit. */
    private record Limits(Optional<BigDecimal> orgCap, Optional<BigDecimal> keyCap, boolean creditEnabled) {
    }

    /**
     * Reserves {@code worst} against the org cap, the key cap and the prepaid credit, or throws 402. Reads first, then
     * the rows every admission of the org contends for (its budget period, the key's, its credit), so their row locks
     * are held for the fewest round trips before the commit.
     */
    static void reserve(Connection c, Admission a, String nodeId) throws SQLException {
        LocalDate period = Months.periodOf(a.admittedAt());
        ensurePeriods(c, period, a.orgId(), a.keyId());
        Limits limits = limits(c, a.orgId(), a.keyId());
        reserveOn(c, a.orgId(), period, a.reservedEur(), BudgetCap.ORG_MONTHLY, limits.orgCap(), a);
        if (a.keyId() != null) {
            reserveOn(c, a.keyId(), period, a.reservedEur(), BudgetCap.KEY_MONTHLY, limits.keyCap(), a);
        }
        boolean onCredit = limits.creditEnabled() && reserveCredit(c, a.orgId(), a.reservedEur());
        try (PreparedStatement ps = c.prepareStatement("""
                insert into budget_reservations (request_id, org_id, key_id, period, amount_eur, on_credit, node_id)
                values (?,?,?,?,?,?,?)""")) {
            ps.setString(1, a.requestId());
            ps.setObject(2, a.orgId());
            ps.setObject(3, a.keyId());
            ps.setDate(4, Date.valueOf(period));
            ps.setBigDecimal(5, a.reservedEur());
            ps.setBoolean(6, onCredit);
            ps.setString(7, nodeId);
            ps.executeUpdate();
        }
    }

    private static void ensurePeriods(Connection c, LocalDate period, UUID orgId, UUID keyId) throws SQLException {
        if (keyId == null) {
            ensurePeriod(c, BudgetScope.ORG, orgId, period);
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                insert into budget_periods (scope, scope_id, period) values (?,?,?), (?,?,?)
                on conflict (scope, scope_id, period) do nothing""")) {
            ps.setString(1, BudgetScope.ORG.column());
            ps.setObject(2, orgId);
            ps.setDate(3, Date.valueOf(period));
            ps.setString(4, BudgetScope.KEY.column());
            ps.setObject(5, keyId);
            ps.setDate(6, Date.valueOf(period));
            ps.executeUpdate();
        }
    }

    private static Limits limits(Connection c, UUID orgId, UUID keyId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select (select monthly_cap_eur from spend_caps where scope = ? and scope_id = ?),
                       (select monthly_cap_eur from spend_caps where scope = ? and scope_id = ?),
                       coalesce((select credit_enabled from billing_accounts where org_id = ?), false)""")) {
            ps.setString(1, BudgetScope.ORG.column());
            ps.setObject(2, orgId);
            ps.setString(3, BudgetScope.KEY.column());
            ps.setObject(4, keyId);
            ps.setObject(5, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Limits(Optional.ofNullable(rs.getBigDecimal(1)), Optional.ofNullable(rs.getBigDecimal(2)),
                        rs.getBoolean(3));
            }
        }
    }

    private static void reserveOn(Connection c, UUID id, LocalDate period, BigDecimal worst, BudgetCap capKind,
                                  Optional<BigDecimal> cap, Admission a) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                update budget_periods set reserved_eur = reserved_eur + ?
                where scope = ? and scope_id = ? and period = ?
                  and (cast(? as numeric) is null or spent_eur + reserved_eur + ? <= ?)""")) {
            ps.setBigDecimal(1, worst);
            ps.setString(2, capKind.scope().column());
            ps.setObject(3, id);
            ps.setDate(4, Date.valueOf(period));
            ps.setBigDecimal(5, cap.orElse(null));
            ps.setBigDecimal(6, worst);
            ps.setBigDecimal(7, cap.orElse(null));
            if (ps.executeUpdate() == 0) {
                throw new BudgetExceededException(capKind, Months.resetDate(a.admittedAt()));
            }
        }
    }

    /**
     * Reserves against the prepaid credit (balance - reserved) of an org that uses it; returns whether it did (false:
     * credit was switched off meanwhile).
     */
    private static boolean reserveCredit(Connection c, UUID orgId, BigDecimal worst) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                update billing_accounts set credit_reserved_eur = credit_reserved_eur + ?
                where org_id = ? and credit_enabled and credit_balance_eur - credit_reserved_eur - ? >= 0""")) {
            ps.setBigDecimal(1, worst);
            ps.setObject(2, orgId);
            ps.setBigDecimal(3, worst);
            if (ps.executeUpdate() == 1) {
                return true;
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "select 1 from billing_accounts where org_id = ? and credit_enabled")) {
            ps.setObject(1, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    throw new BudgetExceededException(BudgetCap.PREPAID_CREDIT, null);
                }
            }
        }
        return false;
    }

    static void ensurePeriod(Connection c, BudgetScope scope, UUID id, LocalDate period) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                insert into budget_periods (scope, scope_id, period) values (?,?,?)
                on conflict (scope, scope_id, period) do nothing""")) {
            ps.setString(1, scope.column());
            ps.setObject(2, id);
            ps.setDate(3, Date.valueOf(period));
            ps.executeUpdate();
        }
    }

    static Optional<BigDecimal> cap(Connection c, BudgetScope scope, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select monthly_cap_eur from spend_caps where scope = ? and scope_id = ?")) {
            ps.setString(1, scope.column());
            ps.setObject(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBigDecimal(1)) : Optional.empty();
            }
        }
    }

    /** A request's open reservation, as its settlement or release takes it. */
    record Reservation(UUID orgId, UUID keyId, LocalDate period, BigDecimal amount, boolean onCredit) {
    }

    /** Deletes a request's open reservation (if any) and gives its amount back to every budget it held. */
    static boolean release(Connection c, String requestId) throws SQLException {
        Optional<Reservation> r = take(c, requestId);
        if (r.isPresent()) {
            giveBack(c, r.get());
        }
        return r.isPresent();
    }

    /** Deletes a request's open reservation and returns it; nothing else is touched yet. */
    static Optional<Reservation> take(Connection c, String requestId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                delete from budget_reservations where request_id = ?
                returning org_id, key_id, period, amount_eur, on_credit""")) {
            ps.setString(1, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new Reservation(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class),
                        rs.getDate(3).toLocalDate(), rs.getBigDecimal(4), rs.getBoolean(5)))
                        : Optional.empty();
            }
        }
    }

    /** Gives a taken reservation's amount back to every budget it held. */
    static void giveBack(Connection c, Reservation r) throws SQLException {
        addReserved(c, BudgetScope.ORG, r.orgId(), r.period(), r.amount().negate());
        if (r.keyId() != null) {
            addReserved(c, BudgetScope.KEY, r.keyId(), r.period(), r.amount().negate());
        }
        if (r.onCredit()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    update billing_accounts set credit_reserved_eur = greatest(credit_reserved_eur - ?, 0)
                    where org_id = ?""")) {
                ps.setBigDecimal(1, r.amount());
                ps.setObject(2, r.orgId());
                ps.executeUpdate();
            }
        }
    }

    private static void addReserved(Connection c, BudgetScope scope, UUID id, LocalDate period, BigDecimal delta)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                update budget_periods set reserved_eur = greatest(reserved_eur + ?, 0)
                where scope = ? and scope_id = ? and period = ?""")) {
            ps.setBigDecimal(1, delta);
            ps.setString(2, scope.column());
            ps.setObject(3, id);
            ps.setDate(4, Date.valueOf(period));
            ps.executeUpdate();
        }
    }

    /**
     * Settles a newly recorded request: adds its real cost to its month's spend (org and key), draws down credit, and
     * gives back its reservation ({@link #take taken} before) in the same update of each row. Reads first; the rows
     * every request of the org contends for are each updated once, last, so their locks are held briefly.
     */
    static List<BudgetAlert> settle(Connection c, UsageEvent e, Optional<Reservation> reservation) throws SQLException {
        LocalDate period = Months.periodOf(e.admittedAt());
        ensurePeriods(c, period, e.orgId(), e.keyId());
        Limits limits = limits(c, e.orgId(), e.keyId());
        Reservation r = reservation.orElse(null);
        boolean together = r != null && r.period().equals(period) && r.orgId().equals(e.orgId())
                && java.util.Objects.equals(r.keyId(), e.keyId());
        BigDecimal back = together ? r.amount() : BigDecimal.ZERO;
        List<BudgetAlert> alerts = new ArrayList<>();
        spend(c, BudgetScope.ORG, e.orgId(), period, e.costEur(), back);
        if (limits.orgCap().isPresent()) {
            alerts.addAll(crossedThresholds(c, e.orgId(), BudgetScope.ORG, e.orgId(), period));
        }
        if (e.keyId() != null) {
            spend(c, BudgetScope.KEY, e.keyId(), period, e.costEur(), back);
            if (limits.keyCap().isPresent()) {
                alerts.addAll(crossedThresholds(c, e.orgId(), BudgetScope.KEY, e.keyId(), period));
            }
        }
        if (r != null && !together) {
            giveBack(c, r);
        }
        BigDecimal creditBack = together && r.onCredit() ? r.amount() : BigDecimal.ZERO;
        if (limits.creditEnabled() || creditBack.signum() > 0) {
            try (PreparedStatement ps = c.prepareStatement("""
                    update billing_accounts
                    set credit_balance_eur = credit_balance_eur - case when credit_enabled then ? else 0 end,
                        credit_reserved_eur = greatest(credit_reserved_eur - ?, 0)
                    where org_id = ?""")) {
                ps.setBigDecimal(1, e.costEur());
                ps.setBigDecimal(2, creditBack);
                ps.setObject(3, e.orgId());
                ps.executeUpdate();
            }
        }
        return alerts;
    }

    private static void spend(Connection c, BudgetScope scope, UUID id, LocalDate period, BigDecimal cost,
                              BigDecimal released) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                update budget_periods set spent_eur = spent_eur + ?, reserved_eur = greatest(reserved_eur - ?, 0)
                where scope = ? and scope_id = ? and period = ?""")) {
            ps.setBigDecimal(1, cost);
            ps.setBigDecimal(2, released);
            ps.setString(3, scope.column());
            ps.setObject(4, id);
            ps.setDate(5, Date.valueOf(period));
            ps.executeUpdate();
        }
    }

    /** Flags each threshold once per month and returns the alerts newly crossed. */
    static List<BudgetAlert> crossedThresholds(Connection c, UUID orgId, BudgetScope scope, UUID id, LocalDate period)
            throws SQLException {
        List<BudgetAlert> alerts = new ArrayList<>();
        for (int threshold : new int[]{80, 100}) {
            String flag = threshold == 80 ? "alerted_80" : "alerted_100";
            try (PreparedStatement ps = c.prepareStatement("""
                    update budget_periods b set %1$s = true from spend_caps s
                    where b.scope = ? and b.scope_id = ? and b.period = ? and s.scope = b.scope
                      and s.scope_id = b.scope_id and not b.%1$s and b.spent_eur * 100 >= s.monthly_cap_eur * ?
                    returning b.spent_eur, s.monthly_cap_eur""".formatted(flag))) {
                ps.setString(1, scope.column());
                ps.setObject(2, id);
                ps.setDate(3, Date.valueOf(period));
                ps.setInt(4, threshold);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        alerts.add(new BudgetAlert(orgId, scope, id, period, threshold, rs.getBigDecimal(1),
                                rs.getBigDecimal(2)));
                    }
                }
            }
        }
        return alerts;
    }

    /** A refused admission means the cap is exhausted: raise the 100% alert once for the month. */
    static Optional<BudgetAlert> exhausted(Connection c, UUID orgId, BudgetScope scope, UUID id, Instant at)
            throws SQLException {
        LocalDate period = Months.periodOf(at);
        ensurePeriod(c, scope, id, period);
        try (PreparedStatement ps = c.prepareStatement("""
                update budget_periods b set alerted_100 = true from spend_caps s
                where b.scope = ? and b.scope_id = ? and b.period = ? and s.scope = b.scope
                  and s.scope_id = b.scope_id and not b.alerted_100
                returning b.spent_eur, s.monthly_cap_eur""")) {
            ps.setString(1, scope.column());
            ps.setObject(2, id);
            ps.setDate(3, Date.valueOf(period));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new BudgetAlert(orgId, scope, id, period, 100, rs.getBigDecimal(1),
                        rs.getBigDecimal(2)))
                        : Optional.empty();
            }
        }
    }
}
