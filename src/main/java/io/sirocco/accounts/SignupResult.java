package io.sirocco.accounts;

/**
 * The outcome of a signup, for the server side only: the public answer is the same whatever it holds. The status
 * link's {@code statusToken} went to the address by mail (for a repeated signup, a fresh one).
 */
public record SignupResult(WaitlistEntry entry, boolean duplicate, String statusToken) {
}
