package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;

/**
 * The append-only usage ledger: one row per request id; writing the same request twice is a no-op.
 * One transaction writes the row, its hourly rollup, the month's spend (org, key, credit) and releases the
 * request's reservation, so the ledger, the rollups and the budgets always agree. The rows many requests share (budget
 * periods, credit, the hourly rollup) are updated last, once each, so their row locks are held only until the commit.
 */
@ApplicationScoped
public class UsageLedger {

    private static final String INSERT = """
            insert into usage_ledger (request_id, org_id, key_id, model, prompt_tokens, completion_tokens,
                input_eur_per_mtok, output_eur_per_mtok, cost_eur, status, admitted_at, finished_at,
                cached_tokens, cached_input_eur_per_mtok, end_user, metadata, batch)
            values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,cast(? as jsonb),?) on conflict (request_id) do nothing
            """;

    /** What one record call did: whether the row was new, and the cap thresholds it crossed. */
    public record Recorded(boolean inserted, List<BudgetAlert> alerts) {
    }

    @Inject
    AgroalDataSource db;

    /** Returns true when the row was written, false when the request was already recorded. */
    @Transactional
    public boolean record(UsageEvent e, Prices prices) {
        return recordAll(e, prices).inserted();
    }

    @Transactional
    public Recorded recordAll(UsageEvent e, Prices prices) {
        return recordAll(e, prices, RequestTags.NONE);
    }

    /** Records the event with the caller's tags on the row (the request path; consumers of events have none). */
    @Transactional
    public Recorded recordAll(UsageEvent e, Prices prices, RequestTags tags) {
        try (Connection c = db.getConnection()) {
            return record(c, e, prices, tags);
        } catch (SQLException ex) {
            throw new IllegalStateException("could not record usage of request " + e.requestId(), ex);
        }
    }

    static Recorded record(Connection c, UsageEvent e, Prices prices) throws SQLException {
        return record(c, e, prices, RequestTags.NONE);
    }

    static Recorded record(Connection c, UsageEvent e, Prices prices, RequestTags tags) throws SQLException {
        boolean inserted;
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, e.requestId());
            ps.setObject(2, e.orgId());
            ps.setObject(3, e.keyId());
            ps.setString(4, e.model());
            ps.setInt(5, e.promptTokens());
            ps.setInt(6, e.completionTokens());
            ps.setBigDecimal(7, prices.inputEurPerMTok());
            ps.setBigDecimal(8, prices.outputEurPerMTok());
            ps.setBigDecimal(9, e.costEur());
            ps.setString(10, e.status().column());
            ps.setTimestamp(11, Timestamp.from(e.admittedAt()));
            ps.setTimestamp(12, Timestamp.from(e.finishedAt()));
            ps.setInt(13, e.cachedTokens());
            ps.setBigDecimal(14, prices.cachedInputEurPerMTok());
            ps.setString(15, tags.endUser());
            ps.setString(16, tags.metadataJson());
            ps.setBoolean(17, prices.batch());
            inserted = ps.executeUpdate() == 1;
        }
        Optional<Budgets.Reservation> reservation = Budgets.take(c, e.requestId());
        if (!inserted) {
            if (reservation.isPresent()) {
                Budgets.giveBack(c, reservation.get());
            }
            return new Recorded(false, List.of());
        }
        List<BudgetAlert> alerts = Budgets.settle(c, e, reservation);
        Rollups.add(c, e, prices); // last: the row every request of this org, key and model in this hour updates
        return new Recorded(true, alerts);
    }
}
