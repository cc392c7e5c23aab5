package io.sirocco.accounts;

import java.util.Locale;
import java.util.regex.Pattern;

/** Small input helpers shared by the accounts forms: trimming, length limits, email shape. */
public final class Text {
    /** A practical email shape: local@domain.tld, no spaces or angle brackets. */
    private static final Pattern EMAIL = Pattern.compile(
            "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    + "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$");
    public static final int EMAIL_MAX = 254;

    private Text() {
    }

    /** Trimmed value, or null when blank. */
    public static String trimToNull(String s) {
        if (s == null) {
            return null;
        }
        String t = s.strip();
        return t.isEmpty() ? null : t;
    }

    public static String normalizeEmail(String s) {
        String t = trimToNull(s);
        return t == null ? null : t.toLowerCase(Locale.ROOT);
    }

    public static boolean isEmail(String s) {
        return s != null && s.length() <= EMAIL_MAX && EMAIL.matcher(s).matches();
    }

    public static String clip(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
