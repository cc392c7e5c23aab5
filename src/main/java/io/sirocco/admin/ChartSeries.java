package io.sirocco.admin;

import io.sirocco.billing.BillingReports;
import io.sirocco.billing.web.DailyChart;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.List;

/** The dashboard's revenue chart: one stacked dataset per model and direction, a bar per day, euros to 4 places. */
final class ChartSeries {
    private static final DailyChart.Axes<BillingReports.DayRevenue, BigDecimal> REVENUE = new DailyChart.Axes<>(
            r -> r.model() + " " + r.direction(), BillingReports.DayRevenue::day,
            r -> r.eur().setScale(4, RoundingMode.HALF_EVEN), BigDecimal.ZERO.setScale(4), BigDecimal::add);

    private ChartSeries() {
    }

    static String revenueByDay(List<BillingReports.DayRevenue> rows, LocalDate from, LocalDate toExclusive) {
        return DailyChart.json(rows, REVENUE, from, toExclusive);
    }
}
