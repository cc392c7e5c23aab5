package io.sirocco.billing;

import io.quarkus.qute.TemplateExtension;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.YearMonth;

/** Formatting for Qute pages: {@code {amount.cents}}, {@code {price.exact}}, {@code {rate.pct}}, {@code {month.previous}}. */
@TemplateExtension
public final class MoneyTemplateExtensions {
    private MoneyTemplateExtensions() {
    }

    /** Rounded half-even to cents, for display of running totals. */
    static String cents(BigDecimal v) {
        return v == null ? "" : v.setScale(2, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** The exact value without trailing zeros. */
    static String exact(BigDecimal v) {
        if (v == null) {
            return "";
        }
        return v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
    }

    /** A rate as a percentage, e.g. 0.2 → 20%. */
    static String pct(BigDecimal rate) {
        return rate == null ? "" : InvoiceDocuments.percent(rate);
    }

    static YearMonth previous(YearMonth m) {
        return m.minusMonths(1);
    }

    static YearMonth next(YearMonth m) {
        return m.plusMonths(1);
    }
}
