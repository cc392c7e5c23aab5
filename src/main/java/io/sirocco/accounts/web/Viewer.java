package io.sirocco.accounts.web;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/**
 * Who is looking at a page, for the navigation in {@code base.html} ({@code inject:viewer}): each page shows only
 * the links its viewer may open. Public pages (/, /waitlist, /docs) run without a session, so they see an anonymous viewer.
 */
@Named("viewer")
@RequestScoped
public class Viewer {

    @Inject
    SecurityIdentity identity;
    @Inject
    Csrf csrf;

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
}
