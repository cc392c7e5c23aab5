package io.sirocco.accounts.web;

import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** Who did it, for the audit log: the token's email claim, else the principal name. */
public final class Actors {
    private Actors() {
    }

    public static String of(SecurityIdentity identity) {
        if (identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getClaim("email") != null) {
            return jwt.getClaim("email").toString();
        }
        return identity.getPrincipal().getName();
    }
}
