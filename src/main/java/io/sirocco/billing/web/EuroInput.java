package io.sirocco.billing.web;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * An amount of euros typed into a form: plain digits with an optional decimal point, never a float, an exponent
 * or a sign. Each kind of amount has its own number of decimals and upper bound, so what is stored always fits its
 * column. Bad input is an IllegalArgumentException whose message says what is accepted.
 */
public final class EuroInput {
    /** Money moved by a person (credit top-ups, caps): cents, at most one million euros. */
    public static final Kind MONEY = new Kind(2, new BigDecimal("1000000"));
    /** A price per million tokens: up to 9 decimals, at most 10,000 euros. */
    public static final Kind PRICE = new Kind(9, new BigDecimal("10000"));

    public record Kind(int decimals, BigDecimal max) {
    }

    private static final Pattern PLAIN = Pattern.compile("\\d{1,12}(\\.\\d{1,12})?");

    private EuroInput() {
    }

    /** A non-negative amount of this kind. */
    public static BigDecimal parse(String s, String what, Kind kind) {
        String t = s == null ? "" : s.trim();
        if (!PLAIN.matcher(t).matches()) {
            throw new IllegalArgumentException(what + " must be a number of euros like 12.50 (digits and a point only)");
        }
        BigDecimal v = new BigDecimal(t).stripTrailingZeros();
        if (Math.max(v.scale(), 0) > kind.decimals()) {
            throw new IllegalArgumentException(what + " can have at most " + kind.decimals() + " decimals");
        }
        if (v.compareTo(kind.max()) > 0) {
            throw new IllegalArgumentException(what + " can be at most " + kind.max().toPlainString() + " euros");
        }
        return new BigDecimal(t);
    }

    /** A positive amount of this kind (a top-up of zero is no top-up). */
    public static BigDecimal parsePositive(String s, String what, Kind kind) {
        BigDecimal v = parse(s, what, kind);
        if (v.signum() <= 0) {
            throw new IllegalArgumentException(what + " must be more than 0");
        }
        return v;
    }

    /** Blank means none (e.g. no cap). */
    public static BigDecimal parseOrNull(String s, String what, Kind kind) {
        return s == null || s.isBlank() ? null : parse(s, what, kind);
    }

    /** A short text typed into a form: trimmed, blank → null, at most {@code max} characters. */
    public static String text(String s, String what, int max) {
        if (s == null || s.isBlank()) {
            return null;
        }
        String t = s.trim();
        if (t.length() > max) {
            throw new IllegalArgumentException(what + " can be at most " + max + " characters");
        }
        return t;
    }
}
