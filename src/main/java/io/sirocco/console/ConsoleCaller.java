package io.sirocco.console;

import io.quarkus.security.identity.SecurityIdentity;
import io.sirocco.accounts.AccountsException;
import io.sirocco.accounts.Member;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.Permission;
import io.sirocco.accounts.web.Actors;
import io.sirocco.accounts.web.ChosenOrg;
import io.sirocco.accounts.web.Csrf;
import io.sirocco.accounts.web.CsrfForm;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.List;
import java.util.UUID;

/**
 * The signed-in console user (Keycloak subject) and the org memberships behind every console route. A customer who
 * is a member of no org gets 403; an org they are not a member of looks like it does not exist (404); a role that
 * lacks the route's {@link Permission} gets 403 (the rule itself is {@link io.sirocco.accounts.OrgRole}).
 */
@RequestScoped
public class ConsoleCaller {

    @Inject
    SecurityIdentity identity;
    @Inject
    Organizations organizations;
    @Inject
    CurrentVertxRequest request;
    @Inject
    Csrf csrf;

    public String userId() {
        if (identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getSubject() != null) {
            return jwt.getSubject();
        }
        throw new AccountsException(401, "unauthenticated", null, "Sign in first.");
    }

    /** The email (or user name) to record as actor. */
    public String actor() {
        return Actors.of(identity);
    }

    /** The org the console pages show: the one the caller chose in the navigation, else their first ({@link ChosenOrg}). */
    public Member primary() {
        RoutingContext rc = request.getCurrent();
        return ChosenOrg.among(organizations.membershipsOf(userId()), rc == null ? null : rc.request())
                .orElseThrow(() -> new AccountsException(403, "no_organization", null,
                        "Your account is not a member of any organization yet. Accept your invitation first."));
    }

    /** The caller's membership of this org, or 404 (never reveals whether another org exists). */
    public Member of(UUID orgId) {
        return organizations.membership(userId(), orgId)
                .orElseThrow(() -> AccountsException.notFound("No such organization."));
    }

    /** The caller's membership of this org when their role includes {@code p}; 404 for others' orgs, else 403. */
    public Member of(UUID orgId, Permission p) {
        return allowed(of(orgId), p);
    }

    /** The caller's first org, when their role there includes {@code p} (403 otherwise): the console pages' check. */
    public Member primary(Permission p) {
        return allowed(primary(), p);
    }

    /**
     * A form post's caller: the form's CSRF token checked ({@link Csrf}, 403), then the caller's org when their role
     * there includes {@code p} ({@link #primary(Permission)}).
     */
    public Member posted(CsrfForm form, Permission p) {
        csrf.verify(form);
        return primary(p);
    }

    private static Member allowed(Member m, Permission p) {
        if (!m.may(p)) {
            throw AccountsException.forbidden(m.orgRole(), p);
        }
        return m;
    }

    public List<Member> memberships() {
        return organizations.membershipsOf(userId());
    }
}
