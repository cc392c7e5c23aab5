package io.sirocco.accounts.web;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.qute.TemplateData;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.sirocco.accounts.Member;
import io.sirocco.accounts.Organization;
import io.vertx.ext.web.RoutingContext;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.Permission;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Who is looking at a page, for the navigation in {@code base.html} ({@code inject:viewer}): each page shows only
 * the links its viewer may open. Public pages (/, /waitlist, /docs) run without a session, so they see an anonymous viewer.
 * A customer's console links follow their role in the org they chose ({@link #may}, the same rule the routes check;
 * {@link ChosenOrg}); a customer in several orgs gets a switcher ({@link #getOrganizations}).
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

    @Inject
    CurrentVertxRequest request;

    private List<Member> memberships;
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

    /** One of the customer's organizations, for the navigation's switcher. */
    @TemplateData
    public record OrgChoice(UUID id, String name, String role, boolean current) {
    }

    /**
     * The customer's organizations when they belong to more than one (the switcher shows then), the chosen one
     * marked current; empty otherwise.
     */
    public List<OrgChoice> getOrganizations() {
        List<Member> all = memberships();
        if (all.size() < 2) {
            return List.of();
        }
        UUID current = membership().map(Member::orgId).orElse(null);
        return all.stream().map(m -> new OrgChoice(m.orgId(),
                organizations.find(m.orgId()).map(Organization::name).orElse(m.orgId().toString()), m.role(),
                m.orgId().equals(current))).toList();
    }

    private List<Member> memberships() {
        if (memberships == null) {
            memberships = isCustomer() && identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getSubject() != null
                    ? organizations.membershipsOf(jwt.getSubject()) : List.of();
        }
        return memberships;
    }

    /** The membership the console shows ({@link ChosenOrg}). */
    private Optional<Member> membership() {
        if (membership == null) {
            RoutingContext rc = request.getCurrent();
            membership = ChosenOrg.among(memberships(), rc == null ? null : rc.request());
        }
        return membership;
    }
}
