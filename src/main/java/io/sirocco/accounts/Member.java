package io.sirocco.accounts;

import io.quarkus.qute.TemplateData;

import java.time.Instant;
import java.util.UUID;

/** A Keycloak user's membership of an org. */
@TemplateData
public record Member(UUID orgId, String userId, String email, String role, Instant joinedAt) {
    public static final String OWNER = "owner";
    public static final String MEMBER = "member";

    public boolean isOwner() {
        return OWNER.equals(role);
    }
}
