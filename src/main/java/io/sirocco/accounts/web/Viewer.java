package io.sirocco.accounts.web;

import io.quarkus.security.identity.SecurityIdentity;
import io.sirocco.accounts.Member;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.Permission;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.Optional;

/**
 * Who is looking at a page, for the navigation in {@code base.html} ({@code inject:viewer}): each page shows only
 * the links its viewer may open. Public pages (/, /waitlist, /docs) run without a session, so they see an anonymous viewer.
 * A customer's console links follow their role in their org ({@link #may}, the same rule the routes check).
 */
@Named("viewer")
@RequestScoped
public class Viewer {

    @Inject
    SecurityIdentity identity;
    @Inject
    Csrf csrf;
    @Inject
    Organizations organizations;

    private Optional<Member> membership;

    public boolean isSignedIn() {
        return !identity.isAnonymous();
    }

    public boolean isCustomer() {
        return identity.hasRole("customer");
    }

    public boolean isAdmin() {
        return identity.hasRole("admin");
    }

    /** The CSRF token of the sign-out form (signing out is a POST that carries it). */
    public String getCsrf() {
        return isSignedIn() ? csrf.current() : "";
    }

    public String getName() {
        return isSignedIn() ? Actors.of(identity) : "";
    }

    /** Whether this customer's role in their org includes the permission ({@code keys}, {@code usage}, …). */
    public boolean may(String permission) {
        return isCustomer() && membership().map(m -> m.may(Permission.of(permission))).orElse(false);
    }

    /** The console page a customer lands on: the first one their role opens. */
    public String consoleHome() {
        return may("keys") ? "/console/keys" : "/console/usage";
    }

    private Optional<Member> membership() {
        if (membership == null) {
            membership = identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getSubject() != null
                    ? organizations.membershipsOf(jwt.getSubject()).stream().findFirst() : Optional.empty();
        }
        return membership;
    }
}
