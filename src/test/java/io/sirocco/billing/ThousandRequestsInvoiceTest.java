package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
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
        List<String> models = List.copyOf(new TreeMap<>(LaunchPrices.BOOK).keySet());
        Map<String, long[]> tokens = new TreeMap<>();
        BigDecimal exact = BigDecimal.ZERO;
        for (int i = 0; i < 1000; i++) {
            String model = models.get(rnd.nextInt(models.size()));
            int prompt = 1 + rnd.nextInt(4000);
            int completion = model.equals("mistral-embed") ? 0 : rnd.nextInt(1500);
            Admission a = metering.admit("thousand-" + i + "-" + UUID.randomUUID(), org, key, model, prompt, 2048);
            UsageEvent response = metering.settle(a, prompt, completion, UsageStatus.COMPLETED);
            long[] t = tokens.computeIfAbsent(model, m -> new long[3]); // {uncached in, out, cached in}
            t[0] += response.promptTokens();
            t[1] += response.completionTokens();
            exact = exact.add(response.costEur());
        }
        LaunchPrices.Expected expected = LaunchPrices.invoice(tokens);
        Invoice inv = invoices.draft(org, Months.of(Instant.now()));
        assertEquals(expected.lines(), inv.lines().size());
        for (InvoiceLine l : inv.lines()) {
            long[] t = tokens.get(l.model());
            assertEquals(InvoiceLine.INPUT.equals(l.direction()) ? t[0] : t[1], l.tokens(), l.toString());
        }
        assertEquals(expected.subtotal(), inv.subtotalEur());
        assertEquals(0, exact.compareTo(Fixtures.decimal(db,
                "select sum(cost_eur) from usage_ledger where org_id = ?", org)));
        assertEquals(1000, Fixtures.count(db, "select count(*) from usage_ledger where org_id = ?", org));
        assertEquals(0, Fixtures.count(db, "select count(*) from budget_reservations where org_id = ?", org));
    }
}
