package io.sirocco.billing;

import java.time.LocalDate;

/**
 * A request whose worst-case cost does not fit a spend cap or the prepaid credit (HTTP 402).
 *
 * @see Metering#admit
 */
public class BudgetExceededException extends RuntimeException {
    private final String cap;
    private final LocalDate resetsOn;

    /**
     * @param cap      which cap: "organization monthly cap", "key monthly cap" or "prepaid credit"
     * @param resetsOn when the cap resets (first day of next month), or null for credit
     */
    public BudgetExceededException(String cap, LocalDate resetsOn) {
        super("the request would exceed the " + cap + (resetsOn == null ? "" : "; it resets on " + resetsOn));
        this.cap = cap;
        this.resetsOn = resetsOn;
    }

    public String cap() {
        return cap;
    }

    public LocalDate resetsOn() {
        return resetsOn;
    }
}
