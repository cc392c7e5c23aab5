package io.sirocco.accounts;

import io.quarkus.qute.TemplateData;

import java.time.Instant;
import java.util.UUID;

/**
 * An invitation as admins and owners see it (never with its token). A waitlist invitation has an {@code entryId}
 * and creates the person's own org; a team invitation has a {@code role} and joins {@code orgId}.
 */
@TemplateData
public record Invitation(UUID id, UUID entryId, String email, String name, String invitedBy, Instant createdAt,
                         Instant expiresAt, Instant acceptedAt, Instant revokedAt, UUID orgId, String role) {
    public static final String PENDING = "pending";
    public static final String ACCEPTED = "accepted";
    public static final String REVOKED = "revoked";
    public static final String EXPIRED = "expired";

    public boolean isTeam() {
        return role != null;
    }

    public String status() {
        if (acceptedAt != null) {
            return ACCEPTED;
        }
        if (revokedAt != null) {
            return REVOKED;
        }
        return expiresAt.isAfter(Instant.now()) ? PENDING : EXPIRED;
    }
}
