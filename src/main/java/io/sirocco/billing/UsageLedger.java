package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;

/** The append-only usage ledger: one row per request id; writing the same request twice is a no-op. */
@ApplicationScoped
public class UsageLedger {

    private static final String INSERT = """
            insert into usage_ledger (request_id, org_id, key_id, model, prompt_tokens, completion_tokens,
                input_eur_per_mtok, output_eur_per_mtok, cost_eur, status, admitted_at, finished_at)
            values (?,?,?,?,?,?,?,?,?,?,?,?) on conflict (request_id) do nothing
            """;

    @Inject
    AgroalDataSource db;

    /** Returns true when the row was written, false when the request was already recorded. */
    public boolean record(UsageEvent e, Prices prices) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, e.requestId());
            ps.setObject(2, e.orgId());
            ps.setObject(3, e.keyId());
            ps.setString(4, e.model());
            ps.setInt(5, e.promptTokens());
            ps.setInt(6, e.completionTokens());
            ps.setBigDecimal(7, prices.inputEurPerMTok());
            ps.setBigDecimal(8, prices.outputEurPerMTok());
            ps.setBigDecimal(9, e.costEur());
            ps.setString(10, e.status());
            ps.setTimestamp(11, Timestamp.from(e.admittedAt()));
            ps.setTimestamp(12, Timestamp.from(e.finishedAt()));
            return ps.executeUpdate() == 1;
        } catch (SQLException ex) {
            throw new IllegalStateException("could not record usage of request " + e.requestId(), ex);
        }
    }
}
