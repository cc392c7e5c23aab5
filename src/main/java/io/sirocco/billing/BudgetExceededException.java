package io.sirocco.billing;

import java.time.LocalDate;

/**
 * A request whose worst-case cost does not fit a spend cap or the prepaid credit (HTTP 402).
 *
 * @see Metering#admit
 */
public class BudgetExceededException extends RuntimeException {
    private final BudgetCap cap;
    private final LocalDate resetsOn;

    /**
     * @param cap      which limit
     * @param resetsOn when the cap resets (first day of next month), or null for credit
     */
    public BudgetExceededException(BudgetCap cap, LocalDate resetsOn) {
        super("the request would exceed the " + cap.description() + (resetsOn == null ? "" : "; it resets on " + resetsOn));
        this.cap = cap;
        this.resetsOn = resetsOn;
    }

    public BudgetCap cap() {
        return cap;
    }

    public LocalDate resetsOn() {
        return resetsOn;
    }
}
