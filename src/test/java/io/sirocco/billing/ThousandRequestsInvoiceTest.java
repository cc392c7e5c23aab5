package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * 1,000 requests through Metering (admit, then settle with the usage the engine reported): the month's invoice
 * equals the sum of the responses' usage priced by the book, line by line.
 */
@QuarkusTest
class ThousandRequestsInvoiceTest {
    private static final Map<String, BigDecimal[]> BOOK = Map.of(
            "mistral-tiny", new BigDecimal[]{new BigDecimal("0.14"), new BigDecimal("0.42")},
            "mistral-small", new BigDecimal[]{new BigDecimal("0.60"), new BigDecimal("1.80")},
            "mistral-medium", new BigDecimal[]{new BigDecimal("2.50"), new BigDecimal("7.50")},
            "mistral-embed", new BigDecimal[]{new BigDecimal("0.10"), new BigDecimal("0")});

    @Inject
    Metering metering;
    @Inject
    Invoices invoices;
    @Inject
    AgroalDataSource db;

    @Test
    void invoiceEqualsTheUsageOfTheResponsesPricedByTheBook() {
        UUID org = Fixtures.org(db, "thousand");
        UUID key = Fixtures.key(db, org);
        Random rnd = new Random(42);
        List<String> models = List.copyOf(new TreeMap<>(BOOK).keySet());
        Map<String, long[]> tokens = new TreeMap<>(); // model -> {in, out}
        BigDecimal exact = BigDecimal.ZERO;
        for (int i = 0; i < 1000; i++) {
            String model = models.get(rnd.nextInt(models.size()));
            int prompt = 1 + rnd.nextInt(4000);
            int completion = model.equals("mistral-embed") ? 0 : rnd.nextInt(1500);
            Admission a = metering.admit("thousand-" + i + "-" + UUID.randomUUID(), org, key, model, prompt, 2048);
            UsageEvent response = metering.settle(a, prompt, completion, UsageEvent.COMPLETED);
            long[] t = tokens.computeIfAbsent(model, m -> new long[2]);
            t[0] += response.promptTokens();
            t[1] += response.completionTokens();
            exact = exact.add(response.costEur());
        }
        BigDecimal expectedSubtotal = BigDecimal.ZERO.setScale(2);
        int lines = 0;
        for (Map.Entry<String, long[]> e : tokens.entrySet()) {
            for (int d = 0; d < 2; d++) {
                if (e.getValue()[d] > 0) {
                    lines++;
                    expectedSubtotal = expectedSubtotal.add(BOOK.get(e.getKey())[d]
                            .multiply(BigDecimal.valueOf(e.getValue()[d])).movePointLeft(6)
                            .setScale(2, RoundingMode.HALF_EVEN));
                }
            }
        }
        Invoice inv = invoices.draft(org, Months.of(Instant.now()));
        assertEquals(lines, inv.lines().size());
        for (InvoiceLine l : inv.lines()) {
            long[] t = tokens.get(l.model());
            assertEquals(InvoiceLine.INPUT.equals(l.direction()) ? t[0] : t[1], l.tokens(), l.toString());
        }
        assertEquals(expectedSubtotal, inv.subtotalEur());
        assertEquals(0, exact.compareTo(Fixtures.decimal(db,
                "select sum(cost_eur) from usage_ledger where org_id = ?", org)));
        assertEquals(1000, Fixtures.count(db, "select count(*) from usage_ledger where org_id = ?", org));
        assertEquals(0, Fixtures.count(db, "select count(*) from budget_reservations where org_id = ?", org));
    }
}
