package io.sirocco.admin;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.web.CsrfForm;
import io.sirocco.accounts.web.CsrfPage;
import io.sirocco.billing.BillingAccounts;
import io.sirocco.billing.BillingReports;
import io.sirocco.billing.Invoice;
import io.sirocco.billing.web.EuroInput;
import io.sirocco.billing.web.InvoiceDownloads;
import io.sirocco.billing.Invoices;
import io.sirocco.billing.Months;
import io.sirocco.billing.PriceBook;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/** The admin billing dashboard (Keycloak role admin): revenue, orgs, prices, caps, credit and invoices. */
@Path("/admin/billing")
@RolesAllowed("admin")
public class BillingDashboardResource {

    @CheckedTemplate(basePath = "admin", defaultName = CheckedTemplate.HYPHENATED_ELEMENT_NAME)
    static class Templates {
        static native TemplateInstance billing(AdminBillingView view, String csrf);

        static native TemplateInstance billingInvoice(Invoice invoice);

        static native TemplateInstance billingError(String message);
    }

    @Inject
    BillingReports reports;
    @Inject
    BillingAccounts accounts;
    @Inject
    Invoices invoices;
    @Inject
    PriceBook priceBook;
    @Inject
    Organizations organizations;
    @Inject
    SecurityIdentity identity;
    @Inject
    CsrfPage pages;

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Response dashboard(@QueryParam("message") String message) {
        Instant now = Instant.now();
        YearMonth month = Months.of(now);
        Instant from = now.truncatedTo(ChronoUnit.DAYS).minus(29, ChronoUnit.DAYS);
        Instant to = now.truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS);
        String chart = ChartSeries.revenueByDay(reports.revenueByDay(from, to),
                from.atZone(ZoneOffset.UTC).toLocalDate(), to.atZone(ZoneOffset.UTC).toLocalDate());
        AdminBillingView view = new AdminBillingView(month,
                reports.revenue(Months.start(month), Months.end(month)),
                reports.revenue(Months.start(month.minusMonths(1)), Months.start(month)),
                chart,
                reports.topOrgs(Months.start(month), Months.end(month), 10),
                reports.tokensPerModel(Months.start(month), Months.end(month)),
                reports.openReservationTotals(),
                reports.openReservations(20),
                invoices.list(null, 100),
                priceBook.currentAndScheduled(),
                accounts.profiles(),
                message);
        return pages.show(token -> Response.ok(Templates.billing(view, token).render(), MediaType.TEXT_HTML_TYPE));
    }

    @POST
    @Path("/prices")
    public Response schedulePrice(@BeanParam CsrfForm form, @RestForm String model, @RestForm String input, @RestForm String output,
                                  @RestForm String cached, @RestForm String validFrom) {
        pages.verify(form);
        priceBook.schedule(trim(model), EuroInput.parse(input, "input price", EuroInput.PRICE),
                EuroInput.parse(output, "output price", EuroInput.PRICE),
                EuroInput.parseOrNull(cached, "cached-input price", EuroInput.PRICE), utc(validFrom));
        return back("Scheduled new prices for " + model);
    }

    @POST
    @Path("/orgs/{org}/cap")
    public Response setCap(@BeanParam CsrfForm form, @PathParam("org") UUID org, @RestForm String cap) {
        pages.verify(form);
        requireOrg(org);
        accounts.setOrgCap(org, EuroInput.parseOrNull(cap, "cap", EuroInput.MONEY));
        return back("Cap updated");
    }

    @POST
    @Path("/orgs/{org}/profile")
    public Response setProfile(@BeanParam CsrfForm form, @PathParam("org") UUID org, @RestForm String country, @RestForm String vatNumber,
                               @RestForm String credit) {
        pages.verify(form);
        requireOrg(org);
        accounts.setProfile(org, country, vatNumber, "on".equals(credit) || "true".equals(credit));
        return back("Billing profile updated");
    }

    @POST
    @Path("/orgs/{org}/topup")
    public Response topUp(@BeanParam CsrfForm form, @PathParam("org") UUID org, @RestForm String amount, @RestForm String note) {
        pages.verify(form);
        requireOrg(org);
        accounts.topUp(org, EuroInput.parsePositive(amount, "amount", EuroInput.MONEY),
                EuroInput.text(note, "note", BillingAccounts.NOTE_MAX), identity.getPrincipal().getName());
        return back("Credit recorded");
    }

    @POST
    @Path("/invoices/issue")
    public Response issue(@BeanParam CsrfForm form, @RestForm String month) {
        pages.verify(form);
        YearMonth m = Months.parse(month);
        int n = invoices.issueAll(m);
        return back(n + " invoices issued for " + m);
    }

    @GET
    @Path("/invoices/{id}")
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance invoice(@PathParam("id") UUID id) {
        return Templates.billingInvoice(find(id));
    }

    @GET
    @Path("/invoices/{id}/pdf")
    @Produces("application/pdf")
    public Response pdf(@PathParam("id") UUID id) {
        return InvoiceDownloads.pdf(find(id));
    }

    @GET
    @Path("/invoices/{id}/csv")
    @Produces("text/csv")
    public Response csv(@PathParam("id") UUID id) {
        return InvoiceDownloads.csv(find(id));
    }

    @ServerExceptionMapper
    public Response badInput(IllegalArgumentException e) {
        return Response.status(400).type(MediaType.TEXT_HTML).entity(Templates.billingError(e.getMessage()).render()).build();
    }

    /** An unknown org id is a 404, not a foreign-key failure (500) in the billing tables. */
    private void requireOrg(UUID org) {
        if (organizations.find(org).isEmpty()) {
            throw new NotFoundException("no such organization");
        }
    }

    private Invoice find(UUID id) {
        return invoices.get(id, null).orElseThrow(() -> new NotFoundException("no such invoice"));
    }

    private static Response back(String message) {
        return Response.seeOther(URI.create("/admin/billing?message="
                + URLEncoder.encode(message, StandardCharsets.UTF_8))).build();
    }

    private static String trim(String s) {
        return s == null ? null : s.trim();
    }

    /** A datetime-local form value, read as UTC; years past 9999 are refused (they overflow SQL timestamps). */
    private static Instant utc(String s) {
        try {
            LocalDateTime t = LocalDateTime.parse(s.trim());
            if (t.getYear() <= 9999) {
                return t.toInstant(ZoneOffset.UTC);
            }
        } catch (DateTimeParseException | NullPointerException e) {
            // the message below
        }
        throw new IllegalArgumentException("valid from must be a date and time, e.g. 2027-01-01T00:00 (UTC)");
    }
}
