package io.sirocco.accounts;

/** An invitation just sent. The token went by email only: it is not part of this record. */
public record SentInvitation(Invitation invitation) {
}
