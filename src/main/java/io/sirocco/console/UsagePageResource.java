package io.sirocco.console;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.sirocco.accounts.Member;
import io.sirocco.accounts.Permission;
import io.sirocco.accounts.web.CsrfForm;
import io.sirocco.accounts.web.CsrfPage;
import io.sirocco.alerts.AlertDeliveries;
import io.sirocco.alerts.Webhooks;
import io.sirocco.billing.BillingAccounts;
import io.sirocco.billing.BillingReports;
import io.sirocco.billing.Months;
import io.sirocco.billing.UsageExport;
import io.sirocco.billing.web.EuroInput;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.YearMonth;
import java.util.List;
import java.util.UUID;

/**
 * The customer's usage page (role customer): usage per day, model and key for a month, cost, caps, alerts; org
 * owners set their keys' monthly caps here.
 */
@Path("/console/usage")
@RolesAllowed("customer")
public class UsagePageResource {

    @CheckedTemplate(basePath = "console", defaultName = CheckedTemplate.HYPHENATED_ELEMENT_NAME)
    static class Templates {
        static native TemplateInstance usage(UsageView view, String csrf, AlertsView alerts);

        static native TemplateInstance usageError(String message);
    }

    @Inject
    BillingReports reports;
    @Inject
    BillingAccounts accounts;
    @Inject
    ConsoleCaller caller;
    @Inject
    CsrfPage pages;
    @Inject
    UsageExport exports;
    @Inject
    Webhooks webhooks;
    @Inject
    AlertDeliveries deliveries;

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Response usage(@QueryParam("month") String month, @QueryParam("message") String message) {
        Member m = caller.primary(Permission.USAGE);
        UsageView view = view(m.orgId(), parseMonth(month), m.may(Permission.BUDGETS), message);
        return pages.show(token -> Response.ok(Templates.usage(view, token, alerts(m.orgId(), null)).render(),
                MediaType.TEXT_HTML_TYPE));
    }

    /**
     * Sets the alert webhook (a new signing secret, shown in this response only) or, with an empty URL, removes it.
     * Roles with {@link Permission#BUDGETS} only.
     */
    @POST
    @Path("/webhook")
    @Produces(MediaType.TEXT_HTML)
    public Response setWebhook(@BeanParam CsrfForm form, @RestForm String url) {
        Member m = caller.posted(form, Permission.BUDGETS);
        String secret = null;
        String message;
        if (url == null || url.isBlank()) {
            webhooks.remove(m.orgId(), caller.actor());
            message = "Webhook removed";
        } else {
            secret = webhooks.save(m.orgId(), url, caller.actor()).secret();
            message = "Webhook set. Copy its signing secret now: it will not be shown again";
        }
        UsageView view = view(m.orgId(), parseMonth(null), true, message);
        return Response.ok(Templates.usage(view, form.token(), alerts(m.orgId(), secret)).render(),
                MediaType.TEXT_HTML_TYPE).header("Cache-Control", "no-store").build();
    }

    AlertsView alerts(UUID org, String newSecret) {
        return new AlertsView(webhooks.find(org).orElse(null), deliveries.log(org, 30), newSecret);
    }

    /**
     * The org's usage as CSV for the UTC days {@code from}..{@code to} (inclusive; default: this month so far): day ×
     * model × key, tokens and exact cost.
     */
    @GET
    @Path("/export")
    @Produces("text/csv")
    public Response export(@QueryParam("from") String from, @QueryParam("to") String to) {
        Member m = caller.primary(Permission.USAGE);
        return csv(exports, m.orgId(), from, to);
    }

    /** The CSV download response, shared with the JSON API's route. */
    static Response csv(UsageExport exports, UUID org, String from, String to) {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate start = day("from", from, today.withDayOfMonth(1));
        LocalDate end = day("to", to, today);
        String body = exports.csv(org, start, end);
        return Response.ok(body, "text/csv; charset=utf-8").header("Cache-Control", "no-store")
                .header("Content-Disposition", "attachment; filename=\"sirocco-usage-" + start + "-to-" + end + ".csv\"")
                .build();
    }

    static LocalDate day(String name, String value, LocalDate fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return LocalDate.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + name + "' must be a date like 2024-01-31.");
        }
    }

    /** Sets (or, when empty, removes) the monthly cap of one of the caller's org's keys. Owners only. */
    @POST
    @Path("/keys/{key}/cap")
    public Response setKeyCap(@BeanParam CsrfForm form, @PathParam("key") UUID key, @RestForm String cap) {
        pages.verify(form);
        Member m = caller.primary();
        if (!m.may(Permission.BUDGETS)) {
            return error(403, "Your role (" + m.role() + ") cannot change key caps: ask an owner of the organization.");
        }
        BigDecimal value = EuroInput.parseOrNull(cap, "the cap", EuroInput.MONEY);
        accounts.setKeyCap(m.orgId(), key, value);
        return Response.seeOther(URI.create("/console/usage?message="
                + URLEncoder.encode(value == null ? "Key cap removed" : "Key cap set", StandardCharsets.UTF_8))).build();
    }

    @ServerExceptionMapper
    public Response badInput(IllegalArgumentException e) {
        return error(400, e.getMessage());
    }

    private static Response error(int status, String message) {
        return Response.status(status).type(MediaType.TEXT_HTML).entity(Templates.usageError(message).render()).build();
    }

    UsageView view(UUID org, YearMonth month, boolean owner, String message) {
        Instant from = Months.start(month);
        Instant to = Months.end(month);
        List<BillingReports.UsageRow> byDay = reports.orgByDay(org, from, to);
        return new UsageView(month, reports.orgCost(org, from, to),
                UsageChart.tokensPerDay(byDay, month.atDay(1), month.plusMonths(1).atDay(1)),
                reports.orgByModel(org, from, to), reports.orgByKey(org, from, to), byDay,
                accounts.caps(org), accounts.alerts(org, 20), accounts.profile(org).orElse(null),
                accounts.keyBudgets(org), owner, message);
    }

    static YearMonth parseMonth(String month) {
        if (month == null || month.isBlank()) {
            return Months.of(Instant.now());
        }
        return Months.parse(month);
    }
}
