package io.sirocco.console;

import io.agroal.api.AgroalDataSource;
import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sirocco.accounts.ApiKeys;
import io.sirocco.accounts.Fixtures;
import io.sirocco.accounts.WebSession;
import io.sirocco.billing.BillingAccounts;
import io.sirocco.billing.Invoice;
import io.sirocco.billing.Invoices;
import io.sirocco.billing.Months;
import io.sirocco.billing.Prices;
import io.sirocco.billing.UsageEvent;
import io.sirocco.billing.UsageStatus;
import io.sirocco.billing.UsageLedger;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The customer's usage and invoice pages and the admin dashboard's forms, signed in through Keycloak. */
@QuarkusTest
class BillingPagesTest {
    private static final Prices MEDIUM = new Prices("mistral-medium", new BigDecimal("2.50"), new BigDecimal("7.50"));

    @TestHTTPResource("/")
    URI base;
    @Inject
    MockMailbox mailbox;
    @Inject
    UsageLedger ledger;
    @Inject
    Invoices invoices;
    @Inject
    BillingAccounts accounts;
    @Inject
    AgroalDataSource db;
    @Inject
    ApiKeys apiKeys;

    private void use(UUID org, Instant at, int prompt, int completion) {
        ledger.record(new UsageEvent("page-" + UUID.randomUUID(), org, null, MEDIUM.model(), prompt, completion,
                UsageStatus.COMPLETED, at, at.plusSeconds(1), MEDIUM.cost(prompt, completion)), MEDIUM);
    }

    @Test
    void customerSeesOwnUsageCapsAndInvoicesButNotAnotherOrgsInvoice() throws Exception {
        Fixtures.Customer customer = Fixtures.customer(base, mailbox, "billing");
        Instant lastMonth = Months.start(Months.of(Instant.now()).minusMonths(1)).plus(1, ChronoUnit.DAYS);
        use(customer.orgId(), Instant.now().minus(1, ChronoUnit.MINUTES), 1_000_000, 100_000); // 2.50 + 0.75
        use(customer.orgId(), lastMonth, 2_000_000, 0);
        accounts.setOrgCap(customer.orgId(), new BigDecimal("100"));
        Invoice own = invoices.issue(customer.orgId(), Months.of(lastMonth));

        UUID other = UUID.randomUUID();
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("insert into organizations (id, name) values (?, 'Other Org')")) {
            ps.setObject(1, other);
            ps.executeUpdate();
        }
        use(other, lastMonth, 1_000_000, 0);
        Invoice foreign = invoices.issue(other, Months.of(lastMonth));

        WebSession s = WebSession.login(base, "/console/usage", customer.email(), customer.password());
        WebSession.Page usage = s.get("/console/usage");
        assertEquals(200, usage.status(), usage.body());
        assertTrue(usage.body().contains("id=\"month-cost\">€ 3.25<"), usage.body());
        assertTrue(usage.body().contains("id=\"usage-chart\""));
        assertTrue(usage.body().contains("href=\"/console/invoices\"") && usage.body().contains("href=\"/console/keys\""),
                "the console nav links the other console pages");
        assertTrue(usage.body().contains("mistral-medium"));
        assertTrue(usage.body().contains("100</td>"), "the org cap is listed");
        for (String month : new String[]{"soon", "2026-13", "+999999999-12", "1900-01"}) {
            WebSession.Page badMonth = s.get("/console/usage?month=" + java.net.URLEncoder.encode(month,
                    java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(400, badMonth.status(), month + ": " + badMonth.body());
            assertTrue(badMonth.body().contains("month must look like 2026-10"), badMonth.body());
        }

        WebSession.Page list = s.get("/console/invoices");
        assertEquals(200, list.status());
        assertTrue(list.body().contains(own.displayNumber()));
        assertTrue(!list.body().contains(foreign.displayNumber()));
        WebSession.Page pdf = s.get("/console/invoices/" + own.id() + "/pdf");
        assertEquals(200, pdf.status());
        assertTrue(pdf.body().startsWith("%PDF"));
        WebSession.Page csv = s.get("/console/invoices/" + own.id() + "/csv");
        assertTrue(csv.body().contains(",total,,,6.00"), csv.body()); // 5.00 + 20% VAT
        assertEquals(404, s.get("/console/invoices/" + foreign.id()).status());
        assertEquals(404, s.get("/console/invoices/" + foreign.id() + "/pdf").status());
        // a customer is not an admin
        assertEquals(403, s.get("/admin/billing").status());

        // the owner caps one of their keys; another org's key cannot be touched
        UUID ownKey = apiKeys.create(customer.orgId(), "capped", null, null).keyId();
        UUID foreignKey = apiKeys.create(other, "foreign", null, null).keyId();
        String token = s.get("/console/usage").hidden("csrf");
        assertEquals(403, s.postFormNoFollow("/console/usage/keys/" + ownKey + "/cap", Map.of("cap", "7")).status());
        assertEquals(303, s.postFormNoFollow("/console/usage/keys/" + ownKey + "/cap",
                Map.of("csrf", token, "cap", "7.50")).status());
        assertTrue(s.get("/console/usage").body().contains("7.5</td>"), "key cap is shown");
        WebSession.Page refused = s.postFormNoFollow("/console/usage/keys/" + foreignKey + "/cap",
                Map.of("csrf", token, "cap", "1"));
        assertEquals(400, refused.status());
        assertTrue(refused.body().contains("no such key"));
        assertEquals(400, s.postFormNoFollow("/console/usage/keys/" + ownKey + "/cap",
                Map.of("csrf", token, "cap", "lots")).status());
    }

    @Test
    void adminFormsNeedTheCsrfTokenAndRejectBadInputWithAClearPage() {
        UUID org = UUID.randomUUID();
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("insert into organizations (id, name) values (?, 'Capped Org')")) {
            ps.setObject(1, org);
            ps.executeUpdate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        WebSession s = WebSession.login(base, "/admin/billing", "admin", "admin");
        WebSession.Page dash = s.get("/admin/billing");
        assertEquals(200, dash.status());
        String token = dash.hidden("csrf");
        assertTrue(token != null && !token.isBlank());
        assertTrue(dash.body().contains("href=\"/admin/waitlist\"") && dash.body().contains("href=\"/admin/orgs\""),
                "the admin nav links the other admin pages");
        UUID unknown = UUID.randomUUID();
        assertEquals(404, s.postFormNoFollow("/admin/billing/orgs/" + unknown + "/cap",
                Map.of("csrf", token, "cap", "1")).status());
        assertEquals(404, s.postFormNoFollow("/admin/billing/orgs/" + unknown + "/topup",
                Map.of("csrf", token, "amount", "5")).status());

        assertEquals(403, s.postFormNoFollow("/admin/billing/orgs/" + org + "/cap", Map.of("cap", "5")).status());
        assertEquals(303, s.postFormNoFollow("/admin/billing/orgs/" + org + "/cap",
                Map.of("csrf", token, "cap", "12.5")).status());
        assertEquals(0, new BigDecimal("12.5").compareTo(accounts.profile(org).orElseThrow().orgCapEur()));

        // Top-ups: positive, cents, at most a million euros, a note of at most 500 characters; else a 400 page
        // that says so (before: 1E+999999999 was stored as a 0 top-up that switched prepaid credit on, and 1E+16
        // or a 600-character note gave a 500).
        Map<String, String> badTopUps = new java.util.LinkedHashMap<>();
        badTopUps.put("1E+999999999", "digits and a point only");
        badTopUps.put("1E+16", "digits and a point only");
        badTopUps.put("-5", "digits and a point only");
        badTopUps.put("0", "more than 0");
        badTopUps.put("0.001", "at most 2 decimals");
        badTopUps.put("1000000.01", "at most 1000000 euros");
        badTopUps.forEach((amount, message) -> {
            WebSession.Page r = s.postFormNoFollow("/admin/billing/orgs/" + org + "/topup",
                    Map.of("csrf", token, "amount", amount));
            assertEquals(400, r.status(), amount + ": " + r.body());
            assertTrue(r.body().contains(message), amount + ": " + r.body());
        });
        WebSession.Page longNote = s.postFormNoFollow("/admin/billing/orgs/" + org + "/topup",
                Map.of("csrf", token, "amount", "5", "note", "n".repeat(600)));
        assertEquals(400, longNote.status(), longNote.body());
        assertTrue(longNote.body().contains("note can be at most 500 characters"), longNote.body());
        assertEquals(false, accounts.profile(org).orElseThrow().creditEnabled(), "no refused top-up switched credit on");
        assertEquals(303, s.postFormNoFollow("/admin/billing/orgs/" + org + "/topup",
                Map.of("csrf", token, "amount", "25.50", "note", "welcome")).status());
        assertEquals(0, new BigDecimal("25.50").compareTo(accounts.profile(org).orElseThrow().creditBalanceEur()));
        assertEquals(400, s.postFormNoFollow("/admin/billing/orgs/" + org + "/cap",
                Map.of("csrf", token, "cap", "1E+3")).status());

        WebSession.Page bad = s.postFormNoFollow("/admin/billing/prices", Map.of("csrf", token, "model", "mistral-tiny",
                "input", "cheap", "output", "1", "validFrom", "2030-01-01T00:00"));
        assertEquals(400, bad.status());
        assertTrue(bad.body().contains("input price must be a number of euros like 12.50"), bad.body());
        WebSession.Page past = s.postFormNoFollow("/admin/billing/prices", Map.of("csrf", token, "model", "mistral-tiny",
                "input", "0.1", "output", "0.3", "validFrom", "2020-01-01T00:00"));
        assertEquals(400, past.status());
        assertTrue(past.body().contains("must start in the future"));
        WebSession.Page farFuture = s.postFormNoFollow("/admin/billing/prices", Map.of("csrf", token, "model",
                "mistral-tiny", "input", "0.1", "output", "0.3", "validFrom", "+999999999-01-01T00:00"));
        assertEquals(400, farFuture.status(), farFuture.body());
        WebSession.Page badIssue = s.postFormNoFollow("/admin/billing/invoices/issue",
                Map.of("csrf", token, "month", "+999999999-12"));
        assertEquals(400, badIssue.status(), badIssue.body());
        assertTrue(badIssue.body().contains("month must look like 2026-10"), badIssue.body());

        String model = "test-" + UUID.randomUUID().toString().substring(0, 6);
        assertEquals(303, s.postFormNoFollow("/admin/billing/prices", Map.of("csrf", token, "model", model,
                "input", "0.2", "output", "0.6", "validFrom", "2031-01-01T00:00")).status());
        WebSession.Page after = s.get("/admin/billing");
        assertTrue(after.body().contains(model) && after.body().contains("scheduled"), "scheduled price is listed");
    }
}
