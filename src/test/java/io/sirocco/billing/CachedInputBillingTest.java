package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Prompt tokens served from the prefix cache: priced, recorded, rolled up and invoiced at the cached-input price. */
@QuarkusTest
class CachedInputBillingTest {
    @Inject
    Metering metering;
    @Inject
    PriceBook priceBook;
    @Inject
    UsageLedger ledger;
    @Inject
    Invoices invoices;
    @Inject
    RollupMaintenance rollups;
    @Inject
    AgroalDataSource db;

    @Test
    void theLaunchPricesHaveACachedInputPriceOfTenPercent() {
        Prices small = priceBook.pricesAt("mistral-small", Instant.now()).orElseThrow();
        assertEquals(0, new BigDecimal("0.06").compareTo(small.cachedInputEurPerMTok()));
        Prices tiny = priceBook.pricesAt("mistral-tiny", Instant.now()).orElseThrow();
        assertEquals(0, new BigDecimal("0.014").compareTo(tiny.cachedInputEurPerMTok()));
    }

    @Test
    void costIsExactWithCachedTokensAtTheirPrice() {
        Prices p = new Prices("m", new BigDecimal("0.60"), new BigDecimal("1.80"), new BigDecimal("0.06"));
        // 700 uncached × 0.60 + 300 cached × 0.06 + 123 × 1.80, per 1M
        assertEquals(new BigDecimal("0.0006594"), p.cost(1000, 300, 123).stripTrailingZeros());
        assertEquals(p.cost(1000, 123), p.cost(1000, 0, 123));
        assertThrows(IllegalArgumentException.class, () -> p.cost(10, 11, 0));
        assertEquals(new BigDecimal("0.012345679"), Prices.defaultCached(new BigDecimal("0.123456789")),
                "the default keeps the price book's 9 decimals, rounded half up as PostgreSQL stores it");
    }

    @Test
    void settlementLedgerRollupsAndCostHeaderAgreeExactly() {
        UUID org = Fixtures.org(db, "cached");
        UUID key = Fixtures.key(db, org);
        String id = "req-" + UUID.randomUUID();
        Admission a = metering.admit(id, org, key, "mistral-small", 2000, 100);
        UsageEvent e = metering.settle(a, 2000, 1984, 100, UsageStatus.COMPLETED);
        // 16 × 0.60 + 1984 × 0.06 + 100 × 1.80, per 1M = 0.00000960 + 0.00011904 + 0.00018
        assertEquals(new BigDecimal("0.00030864"), e.costEur().stripTrailingZeros());
        assertEquals(1984, e.cachedTokens());
        assertEquals(0, e.costEur().compareTo(Fixtures.decimal(db, "select cost_eur from usage_ledger where request_id = ?", id)));
        assertEquals(1984, Fixtures.count(db, "select cached_tokens from usage_ledger where request_id = ?", id));
        assertEquals(0, e.costEur().compareTo(Fixtures.decimal(db,
                "select sum(input_cost_eur + output_cost_eur) from usage_hourly where org_id = ?", org)));
        assertEquals(0, new BigDecimal("0.00011904").compareTo(Fixtures.decimal(db,
                "select sum(cached_cost_eur) from usage_hourly where org_id = ?", org)));
        assertEquals(0, e.costEur().compareTo(Fixtures.decimal(db,
                "select spent_eur from budget_periods where scope = 'key' and scope_id = ?", key)));
        // a failed request with no output costs nothing, cached or not
        Admission f = metering.admit("req-" + UUID.randomUUID(), org, key, "mistral-small", 2000, 100);
        assertEquals(0, BigDecimal.ZERO.compareTo(metering.settle(f, 2000, 1000, 0, UsageStatus.FAILED).costEur()));
    }

    @Test
    void invoicesBillCachedTokensOnTheirOwnLineAndRebuiltRollupsMatch() {
        UUID org = Fixtures.org(db, "cached-invoice");
        YearMonth lastMonth = Months.of(Instant.now()).minusMonths(1);
        Prices tiny = priceBook.pricesAt("mistral-tiny", Months.start(lastMonth)).orElseThrow();
        Instant at = Months.start(lastMonth).plus(3, ChronoUnit.DAYS);
        record(org, tiny, at, 3_000_000, 2_000_000, 500_000);   // 1M × 0.14, 2M × 0.014, 0.5M × 0.42
        record(org, tiny, at.plusSeconds(7200), 1_000_000, 0, 0); // 1M × 0.14
        String before = rollupOf(org);
        rollups.rebuild();
        assertEquals(before, rollupOf(org), "incremental rollups equal rollups rebuilt from the ledger");
        Invoice inv = invoices.issue(org, lastMonth);
        assertEquals(List.of(
                        "mistral-tiny input 2000000 0.14 0.28",
                        "mistral-tiny cached 2000000 0.014 0.03",
                        "mistral-tiny output 500000 0.42 0.21"),
                inv.lines().stream().map(l -> l.model() + " " + l.direction() + " " + l.tokens() + " "
                        + l.unitEurPerMTok().stripTrailingZeros().toPlainString() + " " + l.amountEur()).toList());
        assertEquals(new BigDecimal("0.52"), inv.subtotalEur()); // 0.028 rounds half-even to 0.03 on its line
    }

    @Test
    void aScheduledPriceCarriesItsCachedInputPriceOrTheDefault() {
        String model = "cache-test-" + UUID.randomUUID().toString().substring(0, 8);
        Instant from = Instant.now().plus(1, ChronoUnit.DAYS);
        priceBook.schedule(model, new BigDecimal("1.00"), new BigDecimal("3.00"), new BigDecimal("0.25"), from);
        priceBook.schedule(model, new BigDecimal("2.00"), new BigDecimal("3.00"), from.plusSeconds(60));
        assertEquals(0, new BigDecimal("0.25").compareTo(priceBook.pricesAt(model, from).orElseThrow().cachedInputEurPerMTok()));
        assertEquals(0, new BigDecimal("0.2").compareTo(
                priceBook.pricesAt(model, from.plusSeconds(60)).orElseThrow().cachedInputEurPerMTok()));
        assertThrows(IllegalArgumentException.class, () -> priceBook.schedule(model, BigDecimal.ONE, BigDecimal.ONE,
                new BigDecimal("-0.1"), from.plusSeconds(120)));
    }

    private void record(UUID org, Prices p, Instant at, int prompt, int cached, int completion) {
        ledger.record(new UsageEvent("cinv-" + UUID.randomUUID(), org, null, p.model(), prompt, completion,
                UsageStatus.COMPLETED, at, at.plusSeconds(2), p.cost(prompt, cached, completion), cached), p);
    }

    private String rollupOf(UUID org) {
        return Fixtures.decimal(db, "select sum(input_cost_eur) from usage_hourly where org_id = ?", org).stripTrailingZeros()
                + "/" + Fixtures.count(db, "select sum(cached_tokens) from usage_hourly where org_id = ?", org)
                + "/" + Fixtures.decimal(db, "select sum(cached_cost_eur) from usage_hourly where org_id = ?", org).stripTrailingZeros()
                + "/" + Fixtures.count(db, "select sum(prompt_tokens) from usage_hourly where org_id = ?", org);
    }
}
