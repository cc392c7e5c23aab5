package io.sirocco.console;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.sirocco.billing.BillingAccounts;
import io.sirocco.billing.BillingReports;
import io.sirocco.billing.Months;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.UUID;

/** The customer's usage page (role customer): usage per day, model and key for a month, cost, caps, alerts. */
@Path("/console/usage")
@RolesAllowed("customer")
public class UsagePageResource {

    @CheckedTemplate(basePath = "console")
    static class Templates {
        static native TemplateInstance usage(UsageView view);
    }

    @Inject
    BillingReports reports;
    @Inject
    BillingAccounts accounts;
    @Inject
    CallerOrg callerOrg;

    @GET
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance usage(@QueryParam("month") String month) {
        UUID org = callerOrg.orgId();
        return Templates.usage(view(org, parseMonth(month)));
    }

    UsageView view(UUID org, YearMonth month) {
        Instant from = Months.start(month);
        Instant to = Months.end(month);
        List<BillingReports.UsageRow> byDay = reports.orgByDay(org, from, to);
        return new UsageView(month, reports.orgCost(org, from, to),
                UsageChart.tokensPerDay(byDay, month.atDay(1), month.plusMonths(1).atDay(1)),
                reports.orgByModel(org, from, to), reports.orgByKey(org, from, to), byDay,
                accounts.caps(org), accounts.alerts(org, 20), accounts.profile(org).orElse(null));
    }

    static YearMonth parseMonth(String month) {
        if (month == null || month.isBlank()) {
            return Months.of(Instant.now());
        }
        try {
            return YearMonth.parse(month.trim());
        } catch (DateTimeParseException e) {
            throw new BadRequestException("month must look like 2026-10");
        }
    }
}
