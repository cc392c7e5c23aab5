package io.sirocco.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.billing.BillingReports;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Chart.js data for the usage page: tokens (input + output) per day, one stacked dataset per model. */
final class UsageChart {
    private static final ObjectMapper JSON = new ObjectMapper();

    private UsageChart() {
    }

    static String tokensPerDay(List<BillingReports.UsageRow> byDay, LocalDate from, LocalDate toExclusive) {
        List<String> labels = new ArrayList<>();
        for (LocalDate d = from; d.isBefore(toExclusive); d = d.plusDays(1)) {
            labels.add(d.toString());
        }
        Map<String, Map<String, Long>> perModel = new TreeMap<>();
        for (BillingReports.UsageRow r : byDay) {
            perModel.computeIfAbsent(r.label(), k -> new TreeMap<>())
                    .merge(r.day().toString(), r.promptTokens() + r.completionTokens(), Long::sum);
        }
        List<Map<String, Object>> datasets = new ArrayList<>();
        perModel.forEach((model, days) -> datasets.add(Map.of("label", model,
                "data", labels.stream().map(d -> days.getOrDefault(d, 0L)).toList())));
        try {
            return JSON.writeValueAsString(Map.of("labels", labels, "datasets", datasets));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
