package io.sirocco.billing;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;

/** Billing months are calendar months in UTC. */
public final class Months {
    private Months() {
    }

    public static YearMonth of(Instant at) {
        return YearMonth.from(at.atZone(ZoneOffset.UTC));
    }

    /** First day of the instant's month: the key of budget periods and invoices. */
    public static LocalDate periodOf(Instant at) {
        return of(at).atDay(1);
    }

    /** When a monthly cap resets: the first day of the next month. */
    public static LocalDate resetDate(Instant at) {
        return of(at).plusMonths(1).atDay(1);
    }

    public static Instant start(YearMonth month) {
        return month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    public static Instant end(YearMonth month) {
        return start(month.plusMonths(1));
    }

    /** A month typed by a person ("2026-10"), years 2000 to 9999; anything else is an IllegalArgumentException. */
    public static YearMonth parse(String text) {
        try {
            YearMonth m = YearMonth.parse(text.trim());
            if (m.getYear() >= 2000 && m.getYear() <= 9999) {
                return m;
            }
        } catch (DateTimeParseException | NullPointerException e) {
            // the message below
        }
        throw new IllegalArgumentException("month must look like 2026-10");
    }
}
