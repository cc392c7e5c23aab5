package io.sirocco.accounts;

import io.quarkus.qute.TemplateData;

import java.time.Instant;
import java.util.UUID;

/** A Keycloak user's membership of an org, with their role ({@link OrgRole}). */
@TemplateData
public record Member(UUID orgId, String userId, String email, String role, Instant joinedAt) {
    public static final String OWNER = "owner";

    public OrgRole orgRole() {
        return OrgRole.find(role).orElseThrow(() -> new IllegalStateException("unknown role " + role));
    }

    public boolean isOwner() {
        return orgRole() == OrgRole.OWNER;
    }

    public boolean may(Permission p) {
        return orgRole().may(p);
    }
}
