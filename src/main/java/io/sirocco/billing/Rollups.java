package io.sirocco.billing;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * Hourly rollups per org x key x model x prices. Maintained incrementally in the same transaction as the
 * ledger insert, so a rollup never disagrees with the ledger; dashboards and invoices read only these.
 * Costs are split by direction (input/output) and stay exact; failed requests that produced nothing count as
 * requests with no billed tokens. Prompt tokens and the input cost include the cached prompt tokens (at the
 * cached-input price); {@code cached_tokens} and {@code cached_cost_eur} are that share.
 */
final class Rollups {
    /** Key-less usage (e.g. an admin test call) rolls up under the nil UUID. */
    static final UUID NO_KEY = new UUID(0, 0);

    private static final String ADD = """
            insert into usage_hourly as u (hour, org_id, key_id, model, input_eur_per_mtok, output_eur_per_mtok,
                cached_input_eur_per_mtok, requests, prompt_tokens, completion_tokens, input_cost_eur, output_cost_eur,
                cached_tokens, cached_cost_eur, batch)
            values (?,?,?,?,?,?,?,1,?,?,?,?,?,?,?)
            on conflict (hour, org_id, key_id, model, input_eur_per_mtok, output_eur_per_mtok, cached_input_eur_per_mtok,
                batch)
            do update set
                requests = u.requests + 1,
                prompt_tokens = u.prompt_tokens + excluded.prompt_tokens,
                completion_tokens = u.completion_tokens + excluded.completion_tokens,
                input_cost_eur = u.input_cost_eur + excluded.input_cost_eur,
                output_cost_eur = u.output_cost_eur + excluded.output_cost_eur,
                cached_tokens = u.cached_tokens + excluded.cached_tokens,
                cached_cost_eur = u.cached_cost_eur + excluded.cached_cost_eur
            """;

    private Rollups() {
    }

    static Instant hourOf(Instant at) {
        return at.truncatedTo(ChronoUnit.HOURS);
    }

    static void add(Connection c, UsageEvent e, Prices p) throws SQLException {
        boolean billed = Metering.billed(e.status(), e.completionTokens());
        long in = billed ? e.promptTokens() : 0;
        long cached = billed ? e.cachedTokens() : 0;
        long out = billed ? e.completionTokens() : 0;
        BigDecimal inCost = billed ? p.cost(in, cached, 0) : BigDecimal.ZERO;
        BigDecimal outCost = billed ? p.cost(0, out) : BigDecimal.ZERO;
        BigDecimal cachedCost = billed ? p.cost(cached, cached, 0) : BigDecimal.ZERO;
        try (PreparedStatement ps = c.prepareStatement(ADD)) {
            ps.setTimestamp(1, Timestamp.from(hourOf(e.admittedAt())));
            ps.setObject(2, e.orgId());
            ps.setObject(3, e.keyId() == null ? NO_KEY : e.keyId());
            ps.setString(4, e.model());
            ps.setBigDecimal(5, p.inputEurPerMTok());
            ps.setBigDecimal(6, p.outputEurPerMTok());
            ps.setBigDecimal(7, p.cachedInputEurPerMTok());
            ps.setLong(8, in);
            ps.setLong(9, out);
            ps.setBigDecimal(10, inCost);
            ps.setBigDecimal(11, outCost);
            ps.setLong(12, cached);
            ps.setBigDecimal(13, cachedCost);
            ps.setBoolean(14, p.batch());
            ps.executeUpdate();
        }
    }

    /** Rebuilds every rollup from the ledger (after a bulk import, or for the benchmark). */
    static void rebuild(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("delete from usage_hourly");
            s.executeUpdate("""
                    insert into usage_hourly (hour, org_id, key_id, model, input_eur_per_mtok, output_eur_per_mtok,
                        cached_input_eur_per_mtok, requests, prompt_tokens, completion_tokens, input_cost_eur,
                        output_cost_eur, cached_tokens, cached_cost_eur, batch)
                    select date_trunc('hour', admitted_at, 'UTC'), org_id, coalesce(key_id, '00000000-0000-0000-0000-000000000000'),
                           model, input_eur_per_mtok, output_eur_per_mtok, cached_input_eur_per_mtok, count(*),
                           sum(case when billed then prompt_tokens else 0 end),
                           sum(case when billed then completion_tokens else 0 end),
                           sum(case when billed then (prompt_tokens - cached_tokens) * input_eur_per_mtok / 1000000
                                    + cached_tokens * cached_input_eur_per_mtok / 1000000 else 0 end),
                           sum(case when billed then completion_tokens * output_eur_per_mtok / 1000000 else 0 end),
                           sum(case when billed then cached_tokens else 0 end),
                           sum(case when billed then cached_tokens * cached_input_eur_per_mtok / 1000000 else 0 end),
                           batch
                    from (select *, not (status = 'failed' and completion_tokens = 0) as billed from usage_ledger) l
                    group by 1, 2, 3, 4, 5, 6, 7, batch""");
        }
    }
}
