package io.sirocco.admin;

import io.sirocco.billing.BillingAccounts;
import io.sirocco.billing.BillingReports;
import io.sirocco.billing.Invoices;
import io.sirocco.billing.PriceBook;

import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.List;

/** Everything the admin billing dashboard shows; figures come from the rollups. */
public record AdminBillingView(YearMonth month, BigDecimal revenueMtd, BigDecimal revenuePreviousMonth,
                               String revenueChartJson, List<BillingReports.OrgSpend> topOrgs,
                               List<BillingReports.UsageRow> tokensPerTier, BillingReports.OrgSpend reservationTotals,
                               List<BillingReports.Reservation> reservations, List<Invoices.Summary> invoices,
                               List<PriceBook.Entry> prices, List<BillingAccounts.Profile> orgs, String message) {
}
