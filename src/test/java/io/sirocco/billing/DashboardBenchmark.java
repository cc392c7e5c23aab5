package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Benchmark, not part of the normal suite: {@code ./mvnw test -Dtest=DashboardBenchmark -Dsirocco.bench=true}.
 * Writes 1,000,000 ledger rows (200 orgs, 1,000 keys, 4 models, 90 days), builds the rollups and times every
 * query the admin dashboard and the console run. Results go to target/bench-billing.md (copied into
 * docs/benchmarks.md by hand). No timing is asserted.
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "sirocco.bench", matches = "true")
class DashboardBenchmark {
    private static final int ROWS = 1_000_000;

    @Inject
    AgroalDataSource db;
    @Inject
    BillingReports reports;
    @Inject
    RollupMaintenance rollups;
    @Inject
    Invoices invoices;

    @Test
    void dashboardQueriesOnAMillionLedgerRows() throws Exception {
        List<String> out = new ArrayList<>();
        long t0 = System.nanoTime();
        generate();
        out.add("| generate %,d ledger rows (SQL generate_series) | %,d ms |".formatted(ROWS, ms(t0)));
        t0 = System.nanoTime();
        rollups.rebuild();
        out.add("| rebuild all hourly rollups from the ledger | %,d ms |".formatted(ms(t0)));
        long rollupRows = Fixtures.count(db, "select count(*) from usage_hourly");
        long ledgerRows = Fixtures.count(db, "select count(*) from usage_ledger");
        assertTrue(ledgerRows >= ROWS);

        Instant now = Instant.now();
        YearMonth month = Months.of(now);
        Instant from30 = now.truncatedTo(ChronoUnit.DAYS).minus(29, ChronoUnit.DAYS);
        Instant to = now.truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS);
        UUID org = reports.topOrgs(Months.start(month), Months.end(month), 1).getFirst().orgId();
        time(out, "revenue per day by model and direction, 30 days", () -> reports.revenueByDay(from30, to));
        time(out, "revenue month to date", () -> reports.revenue(Months.start(month), Months.end(month)));
        time(out, "revenue previous month", () -> reports.revenue(Months.start(month.minusMonths(1)), Months.start(month)));
        time(out, "top 10 orgs this month", () -> reports.topOrgs(Months.start(month), Months.end(month), 10));
        time(out, "tokens per tier this month", () -> reports.tokensPerModel(Months.start(month), Months.end(month)));
        time(out, "console: one org's usage per day and model (month)", () -> reports.orgByDay(org, Months.start(month), Months.end(month)));
        time(out, "console: one org's usage per key (month)", () -> reports.orgByKey(org, Months.start(month), Months.end(month)));
        time(out, "console: one org's invoice draft (month)", () -> invoices.draft(org, month));
        long raw = System.nanoTime();
        Fixtures.count(db, "select count(*) from (select (admitted_at at time zone 'UTC')::date, model from usage_ledger "
                + "where admitted_at >= now() - interval '30 days' group by 1, 2) x");
        out.add("| for comparison: revenue per day from the raw ledger, 30 days | %,d ms |".formatted(ms(raw)));

        StringBuilder md = new StringBuilder();
        md.append("ledger rows: %,d; hourly rollup rows: %,d%n%n".formatted(ledgerRows, rollupRows));
        md.append("| query | time (median of 5, warm) |\n|---|---|\n");
        out.forEach(l -> md.append(l).append('\n'));
        Files.writeString(Path.of("target/bench-billing.md"), md.toString());
        System.out.println(md);
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static void time(List<String> out, String what, Supplier<?> query) {
        query.get(); // warm
        long[] runs = new long[5];
        for (int i = 0; i < runs.length; i++) {
            long t = System.nanoTime();
            query.get();
            runs[i] = System.nanoTime() - t;
        }
        java.util.Arrays.sort(runs);
        out.add("| %s | %.1f ms |".formatted(what, runs[2] / 1e6));
    }

    private void generate() throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("""
                    create temp table bench_orgs as select gen_random_uuid() as id, g as n from generate_series(1, 200) g;
                    insert into organizations (id, name) select id, 'bench org ' || n from bench_orgs;
                    create temp table bench_keys as select gen_random_uuid() as id, o.id as org_id, o.n * 5 + k as n
                        from bench_orgs o, generate_series(0, 4) k;
                    insert into api_keys (id, org_id, name, key_prefix, key_hash)
                        select id, org_id, 'bench key ' || n, 'sk-bench', md5(id::text) || md5(n::text) from bench_keys;
                    create temp table bench_keys_n as select row_number() over () - 1 as i, id, org_id from bench_keys;
                    """);
            s.execute("""
                    insert into usage_ledger (request_id, org_id, key_id, model, prompt_tokens, completion_tokens,
                        input_eur_per_mtok, output_eur_per_mtok, cost_eur, status, admitted_at, finished_at,
                        cached_input_eur_per_mtok)
                    select 'bench-' || g, k.org_id, k.id, m.model, p, c, m.pin, m.pout,
                           (p * m.pin + c * m.pout) / 1000000, 'completed',
                           now() - (g % 7776000) * interval '1 second', now() - (g % 7776000) * interval '1 second',
                           m.pin / 10
                    from generate_series(1, ROWS) g
                    join bench_keys_n k on k.i = (g::bigint * 7919) % 1000
                    join (values (0, 'mistral-tiny', 0.14, 0.42), (1, 'mistral-small', 0.60, 1.80),
                                 (2, 'mistral-medium', 2.50, 7.50), (3, 'mistral-embed', 0.10, 0.00))
                         as m(i, model, pin, pout) on m.i = g % 4
                    cross join lateral (select (g * 31) % 4000 + 1 as p,
                                               case when g % 4 = 3 then 0 else (g * 17) % 1500 end as c) t
                    """.replace("ROWS", Integer.toString(ROWS)));
            s.execute("analyze usage_ledger; analyze usage_hourly");
        }
    }
}
