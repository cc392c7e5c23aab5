package io.sirocco.accounts;

/** What a member's role may open in the console; {@link OrgRole} says which role has which. */
public enum Permission {
    /** List, create, revoke and rotate the org's API keys. */
    KEYS,
    /** Call the models from the console's playground (billed to the org). */
    PLAYGROUND,
    /** See the org's batch jobs, upload input files, create and cancel jobs, download results (billed to the org). */
    BATCH,
    /** See the org's usage and download it as CSV. */
    USAGE,
    /** See and download the org's invoices. */
    INVOICES,
    /** Invite members, change their roles, remove them. */
    TEAM,
    /** Set spend caps and the alert webhook. */
    BUDGETS;

    /** The lower-case name pages use, e.g. {@code inject:viewer.may('keys')}. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Permission of(String id) {
        return valueOf(id.toUpperCase(java.util.Locale.ROOT));
    }
}
