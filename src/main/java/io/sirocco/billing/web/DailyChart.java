package io.sirocco.billing.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BinaryOperator;
import java.util.function.Function;

/** Chart.js data for a stacked bar per day: one dataset per series (sorted), days without rows at zero. */
public final class DailyChart {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DailyChart() {
    }

    /** The series of each row, its day and value; rows of the same series and day are summed. */
    public record Axes<R, V>(Function<R, String> series, Function<R, LocalDate> day, Function<R, V> value,
                             V zero, BinaryOperator<V> sum) {
    }

    public static <R, V> String json(List<R> rows, Axes<R, V> axes, LocalDate from, LocalDate toExclusive) {
        List<LocalDate> days = new ArrayList<>();
        for (LocalDate d = from; d.isBefore(toExclusive); d = d.plusDays(1)) {
            days.add(d);
        }
        Map<String, Map<LocalDate, V>> bySeries = new TreeMap<>();
        for (R r : rows) {
            bySeries.computeIfAbsent(axes.series().apply(r), k -> new TreeMap<>())
                    .merge(axes.day().apply(r), axes.value().apply(r), axes.sum());
        }
        List<Map<String, Object>> datasets = new ArrayList<>();
        bySeries.forEach((label, perDay) -> datasets.add(Map.of("label", label,
                "data", days.stream().map(d -> perDay.getOrDefault(d, axes.zero())).toList())));
        try {
            return JSON.writeValueAsString(Map.of("labels", days.stream().map(LocalDate::toString).toList(),
                    "datasets", datasets));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
