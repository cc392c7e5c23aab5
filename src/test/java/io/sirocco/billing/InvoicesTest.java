package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issuing, numbering, immutability, VAT and the PDF/CSV documents of monthly invoices. */
@QuarkusTest
class InvoicesTest {
    private static final Prices TINY = new Prices("mistral-tiny", new BigDecimal("0.14"), new BigDecimal("0.42"));
    private static final Prices MEDIUM = new Prices("mistral-medium", new BigDecimal("2.50"), new BigDecimal("7.50"));

    @Inject
    Invoices invoices;
    @Inject
    UsageLedger ledger;
    @Inject
    BillingAccounts accounts;
    @Inject
    AgroalDataSource db;

    private final YearMonth lastMonth = Months.of(Instant.now()).minusMonths(1);

    private void use(UUID org, Prices p, int prompt, int completion) {
        Instant at = Months.start(lastMonth).plusSeconds(3600L * 24 * 3 + (long) (Math.random() * 3600 * 24 * 20));
        ledger.record(new UsageEvent("inv-" + UUID.randomUUID(), org, null, p.model(), prompt, completion,
                UsageStatus.COMPLETED, at, at.plusSeconds(2), p.cost(prompt, completion)), p);
    }

    @Test
    void linesPerModelAndDirectionRoundedHalfEvenAndTotalIsTheirSum() {
        UUID org = Fixtures.org(db, "lines");
        use(org, TINY, 1_000_000, 500_000);   // 0.14 + 0.21
        use(org, TINY, 2_500_000, 0);         // 0.35
        use(org, MEDIUM, 1_234, 5_678);       // 0.003085 -> 0.00 ; 0.042585 -> 0.04
        Invoice inv = invoices.issue(org, lastMonth);
        assertEquals(List.of(
                        "mistral-medium input 1234 2.5 0.00",
                        "mistral-medium output 5678 7.5 0.04",
                        "mistral-tiny input 3500000 0.14 0.49",
                        "mistral-tiny output 500000 0.42 0.21"),
                inv.lines().stream().map(l -> l.model() + " " + l.direction() + " " + l.tokens() + " "
                        + l.unitEurPerMTok().stripTrailingZeros().toPlainString() + " " + l.amountEur()).toList());
        assertEquals(new BigDecimal("0.74"), inv.subtotalEur());
        assertEquals(new BigDecimal("0.15"), inv.vatEur()); // FR (seller country, no country set): 20%, 0.148 -> 0.15
        assertEquals(new BigDecimal("0.89"), inv.totalEur());
        assertFalse(inv.reverseCharge());
        // issuing again returns the same invoice, with the same number
        assertEquals(inv.number(), invoices.issue(org, lastMonth).number());
    }

    @Test
    void concurrentIssuingNumbersWithoutGaps() throws Exception {
        List<UUID> orgs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            UUID org = Fixtures.org(db, "gapless");
            use(org, TINY, 1000, 1000);
            orgs.add(org);
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Invoice>> issued = new ArrayList<>();
        orgs.forEach(org -> issued.add(pool.submit(() -> invoices.issue(org, lastMonth))));
        List<Long> numbers = new ArrayList<>();
        for (Future<Invoice> f : issued) {
            numbers.add(f.get().number());
        }
        pool.shutdown();
        numbers.sort(null);
        for (int i = 1; i < numbers.size(); i++) {
            assertEquals(numbers.get(i - 1) + 1, numbers.get(i), "numbers " + numbers);
        }
        long last = Fixtures.count(db, "select last_number from invoice_counter");
        assertEquals(last, Fixtures.count(db, "select count(*) from invoices"));
        assertEquals(last, Fixtures.count(db, "select max(number) from invoices"));
    }

    @Test
    void issuedInvoicesAreImmutableAndTheRunningMonthCannotBeIssued() throws SQLException {
        UUID org = Fixtures.org(db, "immutable");
        use(org, MEDIUM, 10_000, 10_000);
        Invoice inv = invoices.issue(org, lastMonth);
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class,
                    () -> s.executeUpdate("update invoices set total_eur = 0 where id = '" + inv.id() + "'"));
            assertTrue(e.getMessage().contains("immutable"));
            assertThrows(SQLException.class,
                    () -> s.executeUpdate("delete from invoice_lines where invoice_id = '" + inv.id() + "'"));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> invoices.issue(org, Months.of(Instant.now())));
        assertTrue(e.getMessage().contains("not over"));
    }

    @Test
    void euBusinessGetsReverseChargeAndNonEuNoVat() {
        UUID de = Fixtures.org(db, "de-b2b");
        accounts.setProfile(de, "de", "DE123456789", false);
        use(de, MEDIUM, 1_000_000, 0);
        Invoice b2b = invoices.issue(de, lastMonth);
        assertTrue(b2b.reverseCharge());
        assertEquals(new BigDecimal("0.00"), b2b.vatEur());
        assertTrue(b2b.note().contains("Reverse charge"));

        UUID it = Fixtures.org(db, "it-b2c");
        accounts.setProfile(it, "IT", null, false);
        use(it, MEDIUM, 1_000_000, 0);
        assertEquals(new BigDecimal("0.55"), invoices.issue(it, lastMonth).vatEur()); // 2.50 x 22%

        UUID us = Fixtures.org(db, "us");
        accounts.setProfile(us, "US", "EIN-1", false);
        use(us, MEDIUM, 1_000_000, 0);
        Invoice export = invoices.issue(us, lastMonth);
        assertEquals(0, export.vatRate().signum());
        assertTrue(export.note().contains("outside the EU"));
    }

    @Test
    void pdfAndCsvCarryTheStoredAmounts() {
        UUID org = Fixtures.org(db, "=docs");
        use(org, TINY, 1_000_000, 1_000_000);
        Invoice inv = invoices.get(invoices.issue(org, lastMonth).id(), org).orElseThrow();
        byte[] pdf = InvoiceDocuments.pdf(inv);
        assertEquals("%PDF", new String(pdf, 0, 4, StandardCharsets.US_ASCII));
        String csv = InvoiceDocuments.csv(inv);
        assertTrue(csv.contains(",\"mistral-tiny\",output,1000000,0.42,0.42\r\n"), csv);
        assertTrue(csv.contains(",total,,,0.67\r\n"), csv); // 0.56 + 20% VAT 0.112 -> 0.11
        assertTrue(csv.contains("\"'=docs"), "formula-looking names are defused: " + csv);
        // another org cannot see it
        assertTrue(invoices.get(inv.id(), UUID.randomUUID()).isEmpty());
    }
}
