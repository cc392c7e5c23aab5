package io.sirocco.accounts;

/**
 * The outcome of a signup. {@code statusToken} is set only for a new entry (it is stored hashed, so a duplicate
 * signup cannot show it again: the link went out with the first confirmation email).
 */
public record SignupResult(WaitlistEntry entry, boolean duplicate, String statusToken) {
}
