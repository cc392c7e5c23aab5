package io.sirocco.console;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.sirocco.accounts.AccountsException;
import io.sirocco.accounts.Member;
import io.sirocco.accounts.OrgRole;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.Permission;
import io.sirocco.accounts.Teams;
import io.sirocco.accounts.web.CsrfForm;
import io.sirocco.accounts.web.CsrfPage;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.UUID;
import java.util.function.Supplier;

/**
 * The owner's team page ({@link Permission#TEAM}): invite by email with a role, change roles, remove members (their
 * keys revoked or transferred), withdraw invitations, and the member changes from the audit log.
 */
@Path("/console/team")
@RolesAllowed("customer")
@Produces(MediaType.TEXT_HTML)
public class TeamPages {

    @Inject
    ConsoleCaller caller;
    @Inject
    Teams teams;
    @Inject
    Organizations organizations;
    @Inject
    ConsoleKeys keys;
    @Inject
    CsrfPage pages;
    @Inject
    @Location("console/team.html")
    Template page;

    @GET
    public Response show() {
        return pages.show(token -> page(200, caller.primary(Permission.TEAM), token, null, null));
    }

    @POST
    @Path("invitations")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response invite(@BeanParam CsrfForm form, @FormParam("email") String email,
                           @FormParam("role") String role) {
        return change(form, 201, m -> {
            var inv = teams.invite(m.orgId(), email, role, caller.actor());
            return "Invitation sent to " + inv.email() + " (" + inv.role() + ").";
        });
    }

    @POST
    @Path("invitations/{id}/withdraw")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response withdraw(@PathParam("id") UUID id, @BeanParam CsrfForm form) {
        return change(form, 200, m -> "Invitation to "
                + teams.withdraw(m.orgId(), id, caller.actor()).email() + " withdrawn.");
    }

    @POST
    @Path("members/{userId}/role")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response role(@PathParam("userId") String userId, @BeanParam CsrfForm form,
                         @FormParam("role") String role) {
        return change(form, 200, m -> {
            Member x = teams.changeRole(m.orgId(), userId, role, caller.actor());
            return x.email() + " is now " + x.role() + ".";
        });
    }

    @POST
    @Path("members/{userId}/remove")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response remove(@PathParam("userId") String userId, @BeanParam CsrfForm form,
                           @FormParam("transfer_to") String transferTo) {
        return change(form, 200, m -> {
            Teams.Removal r = teams.remove(m.orgId(), userId, transferTo, caller.actor());
            return r.removed().email() + " removed; " + (r.transferredTo() == null ? ""
                    : r.transferredKeys() + " key(s) transferred to " + r.transferredTo().email() + ", ")
                    + r.revokedKeys().size() + " key(s) revoked.";
        });
    }

    private interface Change {
        String apply(Member owner);
    }

    /** Runs a change as the signed-in owner; a refused change shows the page again with the reason. */
    private Response change(CsrfForm form, int okStatus, Change change) {
        Member m = caller.posted(form, Permission.TEAM);
        try {
            return page(okStatus, m, form.token(), change.apply(m), null).build();
        } catch (AccountsException e) {
            if (e.status() == 403 || e.status() == 401) {
                throw e;
            }
            return page(e.status(), m, form.token(), null, e.getMessage()).build();
        }
    }

    private Response.ResponseBuilder page(int status, Member m, String csrfToken, String notice, String error) {
        Supplier<String> html = () -> page.data("org", keys.org(m)).data("members", organizations.members(m.orgId()))
                .data("invitations", teams.pending(m.orgId())).data("history", teams.history(m.orgId(), 50))
                .data("roles", OrgRole.ids()).data("csrf", csrfToken).data("notice", notice).data("error", error)
                .render();
        return Response.status(status).entity(html.get()).type(MediaType.TEXT_HTML_TYPE)
                .header("Cache-Control", "no-store");
    }
}
