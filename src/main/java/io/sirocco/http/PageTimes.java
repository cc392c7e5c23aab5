package io.sirocco.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** How the pages write a moment: to the minute, in UTC ("2024-03-10 14:05 UTC"). */
public final class PageTimes {
    private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    private PageTimes() {
    }

    /** The moment to the minute; empty for none. */
    public static String minutes(Instant at) {
        return at == null ? "" : MINUTES.format(at);
    }
}
