package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Dashboard and console figures. Every query reads the hourly rollups (never the raw ledger), except open
 * reservations, which have their own small table. Org-scoped methods take the caller's org id and filter by it.
 */
@ApplicationScoped
public class BillingReports {

    /** Revenue of one day, model and direction. */
    public record DayRevenue(LocalDate day, String model, String direction, BigDecimal eur) {
    }

    /** An org's spend over a period. */
    public record OrgSpend(UUID orgId, String orgName, long requests, BigDecimal eur) {
    }

    /** Usage of one group (a model, a key, or a day and model). */
    public record UsageRow(LocalDate day, String label, UUID keyId, long requests, long promptTokens,
                           long completionTokens, BigDecimal eur) {
    }

    /** One open reservation. */
    public record Reservation(String requestId, UUID orgId, String orgName, BigDecimal amountEur, String nodeId,
                              Instant createdAt) {
    }

    @Inject
    AgroalDataSource db;

    public List<DayRevenue> revenueByDay(Instant from, Instant to) {
        String sql = """
                select (hour at time zone 'UTC')::date as day, model,
                       sum(input_cost_eur), sum(output_cost_eur)
                from usage_hourly where hour >= ? and hour < ? group by 1, 2 order by 1, 2""";
        List<DayRevenue> out = new ArrayList<>();
        query(sql, rs -> {
            LocalDate day = rs.getObject(1, LocalDate.class);
            out.add(new DayRevenue(day, rs.getString(2), InvoiceLine.INPUT, rs.getBigDecimal(3)));
            out.add(new DayRevenue(day, rs.getString(2), InvoiceLine.OUTPUT, rs.getBigDecimal(4)));
        }, Timestamp.from(from), Timestamp.from(to));
        return out;
    }

    /** Exact revenue (excluding VAT) over a period. */
    public BigDecimal revenue(Instant from, Instant to) {
        BigDecimal[] sum = {BigDecimal.ZERO};
        query("select coalesce(sum(input_cost_eur + output_cost_eur), 0) from usage_hourly where hour >= ? and hour < ?",
                rs -> sum[0] = rs.getBigDecimal(1), Timestamp.from(from), Timestamp.from(to));
        return sum[0];
    }

    public List<OrgSpend> topOrgs(Instant from, Instant to, int limit) {
        String sql = """
                select u.org_id, o.name, u.requests, u.eur from (
                    select org_id, sum(requests) as requests, sum(input_cost_eur + output_cost_eur) as eur
                    from usage_hourly where hour >= ? and hour < ? group by org_id
                    order by eur desc limit ?) u
                join organizations o on o.id = u.org_id order by u.eur desc""";
        List<OrgSpend> out = new ArrayList<>();
        query(sql, rs -> out.add(new OrgSpend(rs.getObject(1, UUID.class), rs.getString(2), rs.getLong(3),
                rs.getBigDecimal(4))), Timestamp.from(from), Timestamp.from(to), limit);
        return out;
    }

    /** Tokens per tier (model) over a period. */
    public List<UsageRow> tokensPerModel(Instant from, Instant to) {
        String sql = """
                select model, sum(requests), sum(prompt_tokens), sum(completion_tokens),
                       sum(input_cost_eur + output_cost_eur)
                from usage_hourly where hour >= ? and hour < ? group by model order by model""";
        List<UsageRow> out = new ArrayList<>();
        query(sql, rs -> out.add(new UsageRow(null, rs.getString(1), null, rs.getLong(2), rs.getLong(3),
                rs.getLong(4), rs.getBigDecimal(5))), Timestamp.from(from), Timestamp.from(to));
        return out;
    }

    public List<Reservation> openReservations(int limit) {
        String sql = """
                select r.request_id, r.org_id, o.name, r.amount_eur, r.node_id, r.created_at
                from budget_reservations r left join organizations o on o.id = r.org_id
                order by r.created_at limit ?""";
        List<Reservation> out = new ArrayList<>();
        query(sql, rs -> out.add(new Reservation(rs.getString(1), rs.getObject(2, UUID.class), rs.getString(3),
                rs.getBigDecimal(4), rs.getString(5), rs.getTimestamp(6).toInstant())), limit);
        return out;
    }

    /** Count and total of open reservations. */
    public OrgSpend openReservationTotals() {
        OrgSpend[] out = {null};
        query("select count(*), coalesce(sum(amount_eur), 0) from budget_reservations",
                rs -> out[0] = new OrgSpend(null, "all", rs.getLong(1), rs.getBigDecimal(2)));
        return out[0];
    }

    /** The org's usage per day and model. */
    public List<UsageRow> orgByDay(UUID orgId, Instant from, Instant to) {
        String sql = """
                select (hour at time zone 'UTC')::date, model, sum(requests), sum(prompt_tokens),
                       sum(completion_tokens), sum(input_cost_eur + output_cost_eur)
                from usage_hourly where org_id = ? and hour >= ? and hour < ? group by 1, 2 order by 1, 2""";
        List<UsageRow> out = new ArrayList<>();
        query(sql, rs -> out.add(new UsageRow(rs.getObject(1, LocalDate.class), rs.getString(2), null,
                        rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getBigDecimal(6))),
                orgId, Timestamp.from(from), Timestamp.from(to));
        return out;
    }

    /**
     * The org's usage per key (named from api_keys, {@link UsageExport#KEY_NAME}: batch jobs made in the console
     * apart from the member's playground calls; key-less usage shows as "(no key)").
     */
    public List<UsageRow> orgByKey(UUID orgId, Instant from, Instant to) {
        String sql = """
                select h.key_id, coalesce(%s, '(no key)'), sum(h.requests), sum(h.prompt_tokens),
                       sum(h.completion_tokens), sum(h.input_cost_eur + h.output_cost_eur) as eur
                from usage_hourly h left join api_keys k on k.id = h.key_id and k.org_id = h.org_id
                where h.org_id = ? and h.hour >= ? and h.hour < ? group by 1, 2 order by eur desc, 2"""
                .formatted(UsageExport.KEY_NAME);
        List<UsageRow> out = new ArrayList<>();
        query(sql, rs -> out.add(new UsageRow(null, rs.getString(2), rs.getObject(1, UUID.class), rs.getLong(3),
                        rs.getLong(4), rs.getLong(5), rs.getBigDecimal(6))),
                orgId, Timestamp.from(from), Timestamp.from(to));
        return out;
    }

    /** The org's usage per model. */
    public List<UsageRow> orgByModel(UUID orgId, Instant from, Instant to) {
        String sql = """
                select model, sum(requests), sum(prompt_tokens), sum(completion_tokens),
                       sum(input_cost_eur + output_cost_eur)
                from usage_hourly where org_id = ? and hour >= ? and hour < ? group by model order by model""";
        List<UsageRow> out = new ArrayList<>();
        query(sql, rs -> out.add(new UsageRow(null, rs.getString(1), null, rs.getLong(2), rs.getLong(3),
                rs.getLong(4), rs.getBigDecimal(5))), orgId, Timestamp.from(from), Timestamp.from(to));
        return out;
    }

    /** The org's exact cost (excluding VAT) over a period. */
    public BigDecimal orgCost(UUID orgId, Instant from, Instant to) {
        BigDecimal[] sum = {BigDecimal.ZERO};
        query("""
                select coalesce(sum(input_cost_eur + output_cost_eur), 0) from usage_hourly
                where org_id = ? and hour >= ? and hour < ?""",
                rs -> sum[0] = rs.getBigDecimal(1), orgId, Timestamp.from(from), Timestamp.from(to));
        return sum[0];
    }

    private interface RowReader {
        void read(ResultSet rs) throws SQLException;
    }

    private void query(String sql, RowReader reader, Object... params) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    reader.read(rs);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("billing report query failed", e);
        }
    }
}
