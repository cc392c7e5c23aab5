package io.sirocco.accounts.web;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.sirocco.accounts.AcceptForm;
import io.sirocco.accounts.AccountsException;
import io.sirocco.accounts.InvitationLink;
import io.sirocco.accounts.Invitations;
import io.sirocco.accounts.Organization;
import io.sirocco.accounts.Organizations;
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

import java.net.URI;

/**
 * The invitation link: shows the account form (or why the link is unusable), and on submit creates the account and
 * org, then sends the person to the console, which signs them in through Keycloak (authorization code + PKCE).
 */
@Path("/invite/{token}")
@Produces(MediaType.TEXT_HTML)
public class InvitePages {

    @Inject
    Invitations invitations;
    @Inject
    CsrfPage pages;
    @Inject
    AccountsErrors errors;
    @Inject
    Organizations organizations;
    @Inject
    @Location("accounts/invite.html")
    Template page;

    @GET
    public Response open(@PathParam("token") String token) {
        InvitationLink link = invitations.open(token);
        if (!link.usable()) {
            throw Invitations.unusable(link.state());
        }
        return pages.show(csrfToken -> Response.ok(render(link, csrfToken, null, null,
                new AcceptForm("", "", null, null, ""))).header("Cache-Control", "no-store")
                .header("Referrer-Policy", "no-referrer"));
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response accept(@PathParam("token") String token, @BeanParam CsrfForm csrfForm,
                           @FormParam("first_name") String firstName,
                           @FormParam("last_name") String lastName, @FormParam("password") String password,
                           @FormParam("password_confirm") String passwordConfirm,
                           @FormParam("org_name") String orgName) {
        pages.verify(csrfForm);
        AcceptForm form = new AcceptForm(firstName, lastName, password, passwordConfirm, orgName);
        try {
            invitations.accept(token, form);
        } catch (AccountsException e) {
            if (!"invalid_request".equals(e.code())) {
                throw e; // unknown, expired, used or revoked: the plain page
            }
            InvitationLink link = invitations.open(token);
            if (!link.usable()) {
                throw Invitations.unusable(link.state());
            }
            return Response.status(400).entity(render(link, csrfForm.token(), e.getMessage(), e.param(), form))
                    .header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer").build();
        }
        return Response.seeOther(URI.create("/console")).build();
    }

    private String render(InvitationLink link, String csrfToken, String error, String param, AcceptForm form) {
        String team = link.invitation().isTeam()
                ? organizations.find(link.invitation().orgId()).map(Organization::name).orElse(null) : null;
        return page.data("invitation", link.invitation()).data("existing", link.existingAccount()).data("team", team)
                .data("csrf", csrfToken).data("error", error).data("param", param).data("form", form).render();
    }
}
