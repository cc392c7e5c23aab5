package io.sirocco.console;

import io.sirocco.billing.BillingReports;
import io.sirocco.billing.web.DailyChart;

import java.time.LocalDate;
import java.util.List;

/** The usage page's chart: tokens (input + output) per day, one stacked dataset per model. */
final class UsageChart {
    private static final DailyChart.Axes<BillingReports.UsageRow, Long> TOKENS = new DailyChart.Axes<>(
            BillingReports.UsageRow::label, BillingReports.UsageRow::day,
            r -> r.promptTokens() + r.completionTokens(), 0L, Long::sum);

    private UsageChart() {
    }

    static String tokensPerDay(List<BillingReports.UsageRow> byDay, LocalDate from, LocalDate toExclusive) {
        return DailyChart.json(byDay, TOKENS, from, toExclusive);
    }
}
