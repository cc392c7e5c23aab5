package io.sirocco.console;

import io.sirocco.accounts.AccountsException;
import io.sirocco.accounts.Organization;
import io.sirocco.accounts.Text;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A key to create: name, optional expiry, optional model allow-list (within the org's tiers). */
public record NewKey(String name, Instant expiresAt, List<String> allowedModels) {
    public static final int NAME_MAX = 200;
    public static final Duration MAX_LIFETIME = Duration.ofDays(3 * 366);

    /**
     * Checks and normalises raw input. {@code expires} is empty, a date (yyyy-MM-dd: the key expires at the start of
     * that day, UTC) or an ISO instant. Throws {@link AccountsException} (400) naming the bad field.
     */
    public static NewKey parse(String name, String expires, Collection<String> models, Organization org,
                               Set<String> knownModels) {
        String n = Text.trimToNull(name);
        if (n == null || n.length() > NAME_MAX) {
            throw AccountsException.invalid("name", "A key needs a name of 1 to " + NAME_MAX + " characters.");
        }
        Instant at = parseExpiry(Text.trimToNull(expires));
        List<String> chosen = new ArrayList<>();
        for (String m : models == null ? List.<String>of() : models) {
            String t = Text.trimToNull(m);
            if (t != null) {
                chosen.add(t);
            }
        }
        chosen = List.copyOf(new LinkedHashSet<>(chosen));
        for (String m : chosen) {
            if (!knownModels.contains(m)) {
                throw AccountsException.invalid("allowed_models", "Unknown model: " + Text.clip(m, 64) + ".");
            }
            if (!org.mayUse(m)) {
                throw AccountsException.invalid("allowed_models", "Your plan does not include " + m + ".");
            }
        }
        return new NewKey(n, at, chosen);
    }

    private static Instant parseExpiry(String s) {
        if (s == null) {
            return null;
        }
        Instant at;
        try {
            at = s.length() == 10 ? LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw AccountsException.invalid("expires_at", "Expiry must be a date (yyyy-mm-dd) or an ISO-8601 instant.");
        }
        Instant now = Instant.now();
        if (!at.isAfter(now)) {
            throw AccountsException.invalid("expires_at", "Expiry must be in the future.");
        }
        if (at.isAfter(now.plus(MAX_LIFETIME))) {
            throw AccountsException.invalid("expires_at", "Expiry must be within three years.");
        }
        return at;
    }
}
