package io.sirocco.billing;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.flywaydb.core.Flyway;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random usage across models, prices and mid-month price changes goes through the real ledger SQL (ledger row,
 * rollup, budgets) and the real invoice computation on PostgreSQL; an independent BigDecimal model of the same
 * rules must agree: ledger costs exactly, rollups exactly, invoice lines and totals to the cent.
 */
class MoneyExactnessTest {
    private static final YearMonth MONTH = YearMonth.of(2025, 2);
    private static final Instant START = Months.start(MONTH);
    private static final UsageStatus[] STATUSES = UsageStatus.values();
    private static final VatPolicy VAT = new VatPolicy("FR", "FR:0.20,DE:0.19,IT:0.22");
    private static Connection c;

    record Version(BigDecimal in, BigDecimal out, int startMinute) {
    }

    record Use(int model, int prompt, int completion, int status, int minute) {
    }

    @BeforeContainer
    static void connect() throws SQLException {
        String url = System.getenv().getOrDefault("SIROCCO_DB_URL", "jdbc:postgresql://127.0.0.1:5432/sirocco");
        String user = System.getenv().getOrDefault("SIROCCO_DB_USER", "postgres");
        String password = System.getenv().getOrDefault("SIROCCO_DB_PASSWORD", "");
        Flyway.configure().dataSource(url, user, password).locations("classpath:db/migration").load().migrate();
        c = DriverManager.getConnection(url, user, password);
        c.setAutoCommit(false);
    }

    @AfterContainer
    static void close() throws SQLException {
        c.close();
    }

    @Provide
    Arbitrary<BigDecimal> price() {
        return Arbitraries.oneOf(
                Arbitraries.of("0.14", "0.42", "0.60", "1.80", "2.50", "7.50", "0.10", "0").map(BigDecimal::new),
                Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal("50")).ofScale(9));
    }

    @Provide
    Arbitrary<List<List<Version>>> books() {
        Arbitrary<Version> version = Combinators.combine(price(), price(),
                Arbitraries.integers().between(0, 27 * 24 * 60)).as(Version::new);
        return version.list().ofMinSize(1).ofMaxSize(3).list().ofMinSize(1).ofMaxSize(3);
    }

    @Provide
    Arbitrary<List<Use>> uses() {
        return Combinators.combine(Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 200_000), Arbitraries.integers().between(0, 50_000),
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 28 * 24 * 60 - 1))
                .as(Use::new).list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 40)
    void ledgerRollupsAndInvoiceAgreeWithAnIndependentComputation(@ForAll("books") List<List<Version>> books,
                                                                   @ForAll("uses") List<Use> uses,
                                                                   @ForAll boolean business) throws SQLException {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        UUID org = UUID.randomUUID();
        exec("insert into organizations (id, name) values (?, ?)", org, "prop " + tag);
        exec("insert into billing_accounts (org_id, country, vat_number) values (?, 'DE', ?)", org,
                business ? "DE123456789" : null);
        // the price book: version 0 starts before the month, later ones at their minute (kept distinct)
        List<String> models = new ArrayList<>();
        List<TreeMap<Instant, Version>> schedule = new ArrayList<>();
        for (int m = 0; m < books.size(); m++) {
            String model = "prop-" + tag + "-" + m;
            models.add(model);
            TreeMap<Instant, Version> versions = new TreeMap<>();
            for (int v = 0; v < books.get(m).size(); v++) {
                Version ver = books.get(m).get(v);
                Instant from = v == 0 ? START.minus(Duration.ofDays(1)) : START.plus(Duration.ofMinutes(ver.startMinute()));
                if (versions.putIfAbsent(from, ver) == null) {
                    exec("insert into price_book (model, input_eur_per_mtok, output_eur_per_mtok, cached_input_eur_per_mtok,"
                                    + " valid_from) values (?,?,?,?,?)",
                            model, ver.in(), ver.out(), Prices.defaultCached(ver.in()), Timestamp.from(from));
                }
            }
            schedule.add(versions);
        }
        c.commit();

        // system path: price lookup, Metering's cost rule and the ledger transaction (row + rollup + budgets)
        Map<String, BigDecimal> expectedCost = new HashMap<>();
        Map<String, long[]> expectedTokens = new TreeMap<>();       // model|direction|price -> tokens
        BigDecimal exactSum = BigDecimal.ZERO;
        long[] requestsPerModel = new long[models.size()];
        for (int i = 0; i < uses.size(); i++) {
            Use u = uses.get(i);
            int m = u.model() % models.size();
            UsageStatus status = STATUSES[u.status()];
            Instant at = START.plus(Duration.ofMinutes(u.minute()));
            Prices p = PriceBook.pricesAt(c, models.get(m), at).orElseThrow();
            UsageEvent e = new UsageEvent("prop-" + tag + "-" + i, org, null, models.get(m), u.prompt(),
                    u.completion(), status, at, at.plusSeconds(3), Metering.costOf(p, u.prompt(), u.completion(), status));
            UsageLedger.record(c, e, p);
            c.commit();

            // independent model of the rules
            Version v = schedule.get(m).floorEntry(at).getValue();
            boolean free = status == UsageStatus.FAILED && u.completion() == 0;
            long in = free ? 0 : u.prompt();
            long out = free ? 0 : u.completion();
            BigDecimal cost = v.in().multiply(BigDecimal.valueOf(in)).add(v.out().multiply(BigDecimal.valueOf(out)))
                    .movePointLeft(6);
            expectedCost.put(e.requestId(), cost);
            exactSum = exactSum.add(cost);
            requestsPerModel[m]++;
            expectedTokens.computeIfAbsent(models.get(m) + "|input|" + v.in().stripTrailingZeros().toPlainString(), k -> new long[1])[0] += in;
            expectedTokens.computeIfAbsent(models.get(m) + "|output|" + v.out().stripTrailingZeros().toPlainString(), k -> new long[1])[0] += out;
        }

        // 1. every ledger row carries exactly the independent cost
        for (Map.Entry<String, BigDecimal> x : expectedCost.entrySet()) {
            BigDecimal stored = decimal("select cost_eur from usage_ledger where request_id = ?", x.getKey());
            assertEquals(0, x.getValue().compareTo(stored), x.getKey() + ": " + stored + " != " + x.getValue());
        }
        // 2. rollups sum to the exact costs and the request counts
        assertEquals(0, exactSum.compareTo(decimal(
                "select coalesce(sum(input_cost_eur + output_cost_eur), 0) from usage_hourly where org_id = ?", org)));
        for (int m = 0; m < models.size(); m++) {
            BigDecimal requests = decimal("select coalesce(sum(requests), 0) from usage_hourly where org_id = ? and model = ?",
                    org, models.get(m));
            assertEquals(requestsPerModel[m], requests.longValueExact());
        }
        // 3. invoice lines: tokens x unit price per (model, direction, price), half-even to cents per line
        List<String> expectedLines = new ArrayList<>();
        BigDecimal expectedSubtotal = BigDecimal.ZERO.setScale(2);
        for (Map.Entry<String, long[]> x : expectedTokens.entrySet()) {
            if (x.getValue()[0] == 0) {
                continue;
            }
            String[] k = x.getKey().split("\\|");
            BigDecimal amount = new BigDecimal(k[2]).multiply(BigDecimal.valueOf(x.getValue()[0])).movePointLeft(6)
                    .setScale(2, RoundingMode.HALF_EVEN);
            expectedLines.add(k[0] + "|" + k[1] + "|" + k[2] + "|" + x.getValue()[0] + "|" + amount.toPlainString());
            expectedSubtotal = expectedSubtotal.add(amount);
        }
        Invoice inv = Invoices.compute(c, VAT, org, MONTH);
        c.commit();
        List<String> actualLines = new ArrayList<>();
        for (InvoiceLine l : inv.lines()) {
            actualLines.add(l.model() + "|" + l.direction() + "|" + l.unitEurPerMTok().stripTrailingZeros().toPlainString()
                    + "|" + l.tokens() + "|" + l.amountEur().toPlainString());
        }
        expectedLines.sort(null);
        actualLines.sort(null);
        assertEquals(expectedLines, actualLines);
        assertEquals(expectedSubtotal, inv.subtotalEur());
        // the rounded invoice is within half a cent per line of the exact usage
        BigDecimal slack = new BigDecimal("0.005").multiply(BigDecimal.valueOf(Math.max(1, inv.lines().size())));
        assertTrue(inv.subtotalEur().subtract(exactSum).abs().compareTo(slack) <= 0);
        // VAT: DE business customer -> reverse charge at 0; DE consumer -> 19%
        BigDecimal rate = business ? BigDecimal.ZERO : new BigDecimal("0.19");
        assertEquals(0, rate.compareTo(inv.vatRate()));
        assertEquals(business, inv.reverseCharge());
        assertEquals(expectedSubtotal.multiply(rate).setScale(2, RoundingMode.HALF_EVEN), inv.vatEur());
        assertEquals(inv.subtotalEur().add(inv.vatEur()), inv.totalEur());
    }

    private static void exec(String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        }
    }

    private static BigDecimal decimal(String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBigDecimal(1);
            }
        }
    }
}
