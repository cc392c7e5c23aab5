package io.sirocco.billing;

/** The limit a refused admission ran into (HTTP 402). */
public enum BudgetCap {
    ORG_MONTHLY("organization monthly cap", BudgetScope.ORG),
    KEY_MONTHLY("key monthly cap", BudgetScope.KEY),
    PREPAID_CREDIT("prepaid credit", null);

    private final String description;
    private final BudgetScope scope;

    BudgetCap(String description, BudgetScope scope) {
        this.description = description;
        this.scope = scope;
    }

    /** The words the error message uses. */
    public String description() {
        return description;
    }

    /** Whose monthly cap it is; null for the prepaid credit, which is no spend cap. */
    public BudgetScope scope() {
        return scope;
    }
}
