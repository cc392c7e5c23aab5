package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The usage CSV (day × model × key) adds up to the ledger exactly, and only the asked days of the asked org. */
@QuarkusTest
class UsageExportTest {
    private static final Prices TINY = new Prices("mistral-tiny", new BigDecimal("0.14"), new BigDecimal("0.42"));
    private static final Prices MEDIUM = new Prices("mistral-medium", new BigDecimal("2.50"), new BigDecimal("7.50"));

    @Inject
    UsageExport export;
    @Inject
    UsageLedger ledger;
    @Inject
    AgroalDataSource db;

    private final LocalDate day1 = LocalDate.of(2024, 3, 10);

    private void use(UUID org, UUID key, Prices p, Instant at, int prompt, int completion) {
        ledger.record(new UsageEvent("exp-" + UUID.randomUUID(), org, key, p.model(), prompt, completion,
                UsageStatus.COMPLETED, at, at.plusSeconds(1), p.cost(prompt, completion)), p);
    }

    @Test
    void csvRowsEqualTheLedgerGroupedByDayModelAndKey() throws SQLException {
        UUID org = Fixtures.org(db, "export");
        UUID other = Fixtures.org(db, "export-other");
        UUID k1 = Fixtures.key(db, org);
        UUID k2 = Fixtures.key(db, org);
        Fixtures.exec(db, "update api_keys set name = ? where id = ?", "=cmd, \"quoted\"", k2);
        Random rnd = new Random(42);
        Instant start = day1.atStartOfDay(ZoneOffset.UTC).toInstant();
        for (int i = 0; i < 60; i++) {
            Instant at = start.plusSeconds(rnd.nextInt(3 * 24 * 3600)); // days 10, 11, 12
            UUID key = switch (i % 3) {
                case 0 -> k1;
                case 1 -> k2;
                default -> null;
            };
            use(org, key, i % 2 == 0 ? TINY : MEDIUM, at, 1 + rnd.nextInt(5000), rnd.nextInt(3000));
        }
        use(other, null, TINY, start.plusSeconds(3600), 999, 999);           // another org
        use(org, k1, TINY, start.minusSeconds(1), 777, 777);                 // the day before the range

        String csv = export.csv(org, day1, day1.plusDays(2));
        String[] lines = csv.split("\r\n");
        assertEquals(UsageExport.HEADER, lines[0]);

        List<String> expected = new ArrayList<>();
        BigDecimal ledgerTotal = BigDecimal.ZERO;
        String sql = """
                select (admitted_at at time zone 'UTC')::date, model, key_id, count(*), sum(prompt_tokens),
                       sum(completion_tokens), sum(cost_eur)
                from usage_ledger where org_id = ? and admitted_at >= ? and admitted_at < ?
                group by 1, 2, 3""";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, org);
            ps.setObject(2, java.sql.Timestamp.from(start));
            ps.setObject(3, java.sql.Timestamp.from(start.plusSeconds(3 * 24 * 3600)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    expected.add(rs.getString(1) + "," + rs.getString(2) + "," + (rs.getString(3) == null ? "" : rs.getString(3))
                            + "," + rs.getLong(4) + "," + rs.getLong(5) + "," + rs.getLong(6) + ","
                            + rs.getBigDecimal(7).stripTrailingZeros().toPlainString());
                    ledgerTotal = ledgerTotal.add(rs.getBigDecimal(7));
                }
            }
        }
        List<String> actual = new ArrayList<>();
        BigDecimal csvTotal = BigDecimal.ZERO;
        for (int i = 1; i < lines.length; i++) {
            List<String> f = cells(lines[i]);
            BigDecimal cost = new BigDecimal(f.get(9));
            csvTotal = csvTotal.add(cost);
            actual.add(f.get(0) + "," + f.get(1) + "," + f.get(2) + "," + f.get(5) + "," + f.get(6) + "," + f.get(8)
                    + "," + cost.stripTrailingZeros().toPlainString());
        }
        assertEquals(expected.stream().sorted().toList(), actual.stream().sorted().toList());
        assertEquals(0, ledgerTotal.compareTo(csvTotal), "the CSV's cost is the ledger's to the last digit");
        assertTrue(csvTotal.scale() >= 9, "exact, not rounded to cents: " + csvTotal);
        assertTrue(csv.contains(",\"'=cmd, \"\"quoted\"\"\","), "names are quoted and never a formula: " + csv);
        assertTrue(csv.contains(",(no key),"), "key-less usage is labelled");
    }

    @Test
    void rangesAreChecked() {
        UUID org = UUID.randomUUID();
        assertThrows(IllegalArgumentException.class, () -> export.csv(org, day1, day1.minusDays(1)));
        assertThrows(IllegalArgumentException.class, () -> export.csv(org, day1, day1.plusDays(366)));
        assertEquals(UsageExport.HEADER + "\r\n", export.csv(org, day1, day1.plusDays(365)));
    }

    /** Splits one RFC 4180 line. */
    static List<String> cells(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cur.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
