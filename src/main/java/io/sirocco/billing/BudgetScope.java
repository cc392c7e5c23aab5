package io.sirocco.billing;

/** Whom a spend cap and its monthly spend belong to: column {@code scope} of spend_caps, budget_periods, budget_alerts. */
public enum BudgetScope {
    ORG, KEY;

    /** The value stored in the {@code scope} columns. */
    public String column() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
