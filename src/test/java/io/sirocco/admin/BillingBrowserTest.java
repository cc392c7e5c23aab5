package io.sirocco.admin;

import io.agroal.api.AgroalDataSource;
import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sirocco.accounts.Fixtures;
import io.sirocco.billing.Invoice;
import io.sirocco.billing.Invoices;
import io.sirocco.billing.Months;
import io.sirocco.billing.Prices;
import io.sirocco.billing.UsageEvent;
import io.sirocco.billing.UsageStatus;
import io.sirocco.billing.UsageLedger;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.math.BigDecimal;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Headless Chromium (playwright-core, src/test/js/billing-browser) logs in through Keycloak: as the realm admin,
 * /admin/billing shows a drawn revenue chart and the invoice list with an invoice issued here; as a customer,
 * /console/usage shows a drawn usage chart and the month's cost, and /console/invoices their invoice.
 */
@QuarkusTest
class BillingBrowserTest {
    private static final File SUITE = new File("src/test/js/billing-browser");

    @TestHTTPResource("/")
    URL base;
    @Inject
    AgroalDataSource db;
    @Inject
    UsageLedger ledger;
    @Inject
    Invoices invoices;
    @Inject
    MockMailbox mailbox;

    @Test
    void adminSeesRevenueChartAndInvoiceList() throws Exception {
        UUID org = UUID.randomUUID();
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("insert into organizations (id, name) values (?, ?)")) {
            ps.setObject(1, org);
            ps.setString(2, "Browser Test Org");
            ps.executeUpdate();
        }
        Prices small = new Prices("mistral-small", new BigDecimal("0.60"), new BigDecimal("1.80"));
        Instant lastMonth = Months.start(Months.of(Instant.now()).minusMonths(1)).plus(2, ChronoUnit.DAYS);
        Instant today = Instant.now().minus(1, ChronoUnit.MINUTES);
        for (Instant at : new Instant[]{lastMonth, today}) {
            for (int i = 0; i < 3; i++) {
                ledger.record(new UsageEvent("browser-" + UUID.randomUUID(), org, null, "mistral-small", 200_000,
                        90_000, UsageStatus.COMPLETED, at, at.plusSeconds(1), small.cost(200_000, 90_000)), small);
            }
        }
        Invoice inv = invoices.issue(org, Months.of(lastMonth));

        String out = runNode("admin-billing.mjs", Map.of("EXPECT_INVOICE", inv.displayNumber()));
        assertTrue(out.contains("\"failures\":[]"), out);
    }

    @Test
    void customerSeesUsageChartCostAndInvoices() throws Exception {
        Fixtures.Customer customer = Fixtures.customer(base.toURI(), mailbox, "billing-browser");
        Prices tiny = new Prices("mistral-tiny", new BigDecimal("0.14"), new BigDecimal("0.42"));
        Instant lastMonth = Months.start(Months.of(Instant.now()).minusMonths(1)).plus(3, ChronoUnit.DAYS);
        Instant now = Instant.now().minus(1, ChronoUnit.MINUTES);
        for (Instant at : new Instant[]{lastMonth, now, now}) {
            ledger.record(new UsageEvent("browser-c-" + UUID.randomUUID(), customer.orgId(), null, "mistral-tiny",
                    1_000_000, 1_000_000, UsageStatus.COMPLETED, at, at.plusSeconds(1), tiny.cost(1_000_000, 1_000_000)), tiny);
        }
        Invoice inv = invoices.issue(customer.orgId(), Months.of(lastMonth));
        String out = runNode("console-usage.mjs", Map.of("CUSTOMER_USER", customer.email(),
                "CUSTOMER_PASSWORD", customer.password(), "EXPECT_COST", "1.12", "EXPECT_INVOICE", inv.displayNumber()));
        assertTrue(out.contains("\"failures\":[]"), out);
    }

    /** Runs one script of the suite against this test server; fails with its output when it exits non-zero. */
    private String runNode(String script, Map<String, String> env) throws Exception {
        assertTrue(new File(SUITE, "node_modules/playwright-core").isDirectory(),
                "run npm ci in " + SUITE + " (./sirocco test does it)");
        ProcessBuilder pb = new ProcessBuilder("node", script).directory(SUITE).redirectErrorStream(true);
        pb.environment().put("BASE_URL", base.toString().replaceAll("/$", ""));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "browser test timed out");
        System.out.println("billing browser test " + script + ": " + out);
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
