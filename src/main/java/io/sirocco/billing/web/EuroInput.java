package io.sirocco.billing.web;

import java.math.BigDecimal;

/** An amount of euros typed into a form: a decimal number, never a float. Bad input is an IllegalArgumentException. */
public final class EuroInput {
    private EuroInput() {
    }

    public static BigDecimal parse(String s, String what) {
        try {
            return new BigDecimal(s.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(what + " must be a decimal number of euros, e.g. 0.25");
        }
    }

    /** Blank means none (e.g. no cap). */
    public static BigDecimal parseOrNull(String s, String what) {
        return s == null || s.isBlank() ? null : parse(s, what);
    }
}
