package io.sirocco.accounts;

import io.quarkus.qute.TemplateData;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** An API key as listed in the console: never carries the secret or its hash. */
@TemplateData
public record KeyView(UUID id, UUID orgId, String name, String prefix, List<String> allowedModels, Instant createdAt,
                      Instant lastUsedAt, Instant expiresAt, Instant revokedAt, UUID rotatedTo, String createdBy,
                      String ownerUserId) {

    public static final String ACTIVE = "active";
    public static final String ROTATING = "rotating";
    public static final String EXPIRED = "expired";
    public static final String REVOKED = "revoked";

    /** active, rotating (replaced, still valid in its grace period), expired or revoked. */
    public String status() {
        Instant now = Instant.now();
        if (revokedAt != null) {
            return REVOKED;
        }
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            return EXPIRED;
        }
        return rotatedTo != null ? ROTATING : ACTIVE;
    }

    public boolean usable() {
        String s = status();
        return ACTIVE.equals(s) || ROTATING.equals(s);
    }
}
