package io.sirocco.console;

import io.sirocco.billing.BillingAccounts;
import io.sirocco.billing.BillingReports;

import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.List;

/** The customer's usage page: one month of usage by day, model and key, with caps and alerts. */
public record UsageView(YearMonth month, BigDecimal monthCost, String chartJson, List<BillingReports.UsageRow> byModel,
                        List<BillingReports.UsageRow> byKey, List<BillingReports.UsageRow> byDay,
                        List<BillingAccounts.CapStatus> caps, List<BillingAccounts.Alert> alerts,
                        BillingAccounts.Profile profile, List<BillingAccounts.KeyBudget> keys, boolean owner,
                        String message) {

    /** The export form's default range: the month shown. */
    public String exportFrom() {
        return month.atDay(1).toString();
    }

    public String exportTo() {
        return month.atEndOfMonth().toString();
    }
}
