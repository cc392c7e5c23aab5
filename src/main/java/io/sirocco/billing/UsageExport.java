package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * An org's usage per UTC day × model × key over a date range (batch jobs made in the console apart: {@link #KEY_NAME}),
 * as CSV: tokens and the exact cost (the rollups' NUMERIC sums, never rounded or passed through a float), so the rows
 * add up to the ledger to the last digit.
 */
@ApplicationScoped
public class UsageExport {
    public static final int MAX_DAYS = 366;
    public static final String HEADER =
            "day,model,key_id,key_prefix,key_name,requests,prompt_tokens,cached_tokens,completion_tokens,cost_eur";

    /**
     * The name usage gives a rollup row's key ({@code h}: usage_hourly, {@code k}: its api_keys row, null without a
     * key). Batch jobs made in the console run as the member's playground key (api_keys.playground_for), so their
     * rows (usage_hourly.batch) are named "Batch (console, member)" rather than after the playground.
     */
    static final String KEY_NAME = "case when h.batch and k.playground_for is not null"
            + " then 'Batch (console, ' || k.created_by || ')' else k.name end";

    /** One CSV row. {@code keyId} is null for key-less usage. */
    public record Row(LocalDate day, String model, UUID keyId, String keyPrefix, String keyName, long requests,
                      long promptTokens, long cachedTokens, long completionTokens, BigDecimal costEur) {
    }

    @Inject
    AgroalDataSource db;

    /** Checks a range given as two dates (both inclusive): {@code to} not before {@code from}, at most a year. */
    public static void check(LocalDate from, LocalDate to) {
        if (to.isBefore(from)) {
            throw new IllegalArgumentException("The end date (" + to + ") is before the start date (" + from + ").");
        }
        if (ChronoUnit.DAYS.between(from, to) + 1 > MAX_DAYS) {
            throw new IllegalArgumentException("Export at most " + MAX_DAYS + " days at once.");
        }
    }

    /** The org's rows for the UTC days {@code from}..{@code to} (inclusive), by day, model, then key. */
    public List<Row> rows(UUID orgId, LocalDate from, LocalDate to) {
        check(from, to);
        String sql = """
                select (h.hour at time zone 'UTC')::date, h.model, h.key_id, k.key_prefix, %s, sum(h.requests),
                       sum(h.prompt_tokens), sum(h.cached_tokens), sum(h.completion_tokens),
                       sum(h.input_cost_eur + h.output_cost_eur)
                from usage_hourly h left join api_keys k on k.id = h.key_id and k.org_id = h.org_id
                where h.org_id = ? and h.hour >= ? and h.hour < ?
                group by 1, 2, 3, 4, 5, k.created_at
                order by 1, 2, k.created_at nulls first, 3, 5""".formatted(KEY_NAME);
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, orgId);
            ps.setTimestamp(2, Timestamp.from(from.atStartOfDay(ZoneOffset.UTC).toInstant()));
            ps.setTimestamp(3, Timestamp.from(to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()));
            List<Row> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID key = rs.getObject(3, UUID.class);
                    out.add(new Row(rs.getObject(1, LocalDate.class), rs.getString(2),
                            Rollups.NO_KEY.equals(key) ? null : key, rs.getString(4), rs.getString(5), rs.getLong(6),
                            rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getBigDecimal(10)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("usage export query failed", e);
        }
    }

    /** The rows as RFC 4180 CSV with a header line (CRLF line ends). */
    public String csv(UUID orgId, LocalDate from, LocalDate to) {
        StringBuilder b = new StringBuilder(HEADER).append("\r\n");
        for (Row r : rows(orgId, from, to)) {
            b.append(r.day()).append(',').append(cell(r.model())).append(',')
                    .append(r.keyId() == null ? "" : r.keyId()).append(',').append(cell(r.keyPrefix())).append(',')
                    .append(cell(r.keyId() == null ? "(no key)" : r.keyName())).append(',').append(r.requests())
                    .append(',').append(r.promptTokens()).append(',').append(r.cachedTokens()).append(',')
                    .append(r.completionTokens()).append(',').append(r.costEur().toPlainString()).append("\r\n");
        }
        return b.toString();
    }

    /**
     * One text cell: quoted when it holds a comma, quote or line break; a leading {@code = + - @} gets a {@code '} so
     * that a spreadsheet never runs a key name as a formula.
     */
    static String cell(String s) {
        if (s == null) {
            return "";
        }
        String v = !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0 ? "'" + s : s;
        return v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")
                ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }
}
