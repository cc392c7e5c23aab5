package io.sirocco.accounts;

/**
 * What an invitation link leads to: a pending invitation (with whether the email already has an account),
 * or why it cannot be used.
 */
public record InvitationLink(Invitation invitation, String state, boolean existingAccount) {
    public static final String UNKNOWN = "unknown";

    public boolean usable() {
        return Invitation.PENDING.equals(state);
    }
}
