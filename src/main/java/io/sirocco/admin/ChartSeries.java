package io.sirocco.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.billing.BillingReports;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Turns daily revenue rows into Chart.js data: one stacked dataset per model and direction, a bar per day. */
final class ChartSeries {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChartSeries() {
    }

    static String revenueByDay(List<BillingReports.DayRevenue> rows, LocalDate from, LocalDate toExclusive) {
        List<String> labels = new ArrayList<>();
        for (LocalDate d = from; d.isBefore(toExclusive); d = d.plusDays(1)) {
            labels.add(d.toString());
        }
        Map<String, Map<String, BigDecimal>> byDataset = new TreeMap<>();
        for (BillingReports.DayRevenue r : rows) {
            byDataset.computeIfAbsent(r.model() + " " + r.direction(), k -> new LinkedHashMap<>())
                    .merge(r.day().toString(), r.eur(), BigDecimal::add);
        }
        List<Map<String, Object>> datasets = new ArrayList<>();
        byDataset.forEach((label, perDay) -> {
            List<BigDecimal> data = new ArrayList<>();
            for (String day : labels) {
                data.add(perDay.getOrDefault(day, BigDecimal.ZERO).setScale(4, RoundingMode.HALF_EVEN));
            }
            datasets.add(Map.of("label", label, "data", data));
        });
        try {
            return JSON.writeValueAsString(Map.of("labels", labels, "datasets", datasets));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
