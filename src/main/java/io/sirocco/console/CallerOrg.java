package io.sirocco.console;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ForbiddenException;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.UUID;

/**
 * The organization of the logged-in customer, for every org-scoped billing page. The single place to rewire
 * when the accounts membership lookup is merged: today it reads the token's {@code org_id} claim.
 */
@ApplicationScoped
public class CallerOrg {

    public UUID of(SecurityIdentity identity) {
        if (identity.getPrincipal() instanceof JsonWebToken jwt) {
            Object claim = jwt.getClaim("org_id");
            if (claim != null) {
                try {
                    return UUID.fromString(claim.toString().replace("\"", ""));
                } catch (IllegalArgumentException e) {
                    // fall through: not an org of ours
                }
            }
        }
        throw new ForbiddenException("your account is not a member of an organization");
    }
}
