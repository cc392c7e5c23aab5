package io.sirocco.admin;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.security.identity.SecurityIdentity;
import io.sirocco.accounts.AccountsException;
import io.sirocco.accounts.AuditLog;
import io.sirocco.accounts.Invitations;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.SentInvitation;
import io.sirocco.accounts.Text;
import io.sirocco.accounts.Waitlist;
import io.sirocco.accounts.WaitlistEntry;
import io.sirocco.accounts.web.Actors;
import io.sirocco.accounts.web.Csrf;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Admin pages (Keycloak role {@code admin}): the waitlist, invitations, and org plans. Forms carry a CSRF token. */
@Path("/admin")
@RolesAllowed("admin")
@Produces(MediaType.TEXT_HTML)
public class InvitationsPages {

    private static final int PAGE = 500;

    @Inject
    SecurityIdentity identity;
    @Inject
    Waitlist waitlist;
    @Inject
    Invitations invitations;
    @Inject
    Organizations organizations;
    @Inject
    AuditLog audit;
    @Inject
    Csrf csrf;
    @ConfigProperty(name = "quarkus.mailer.mock", defaultValue = "false")
    boolean mailMocked;
    @Inject
    @Location("admin/invitations.html")
    Template invitationsPage;
    @Inject
    @Location("admin/invitations-orgs.html")
    Template orgsPage;

    @GET
    @Path("waitlist")
    public Response waitlistPage(@CookieParam(Csrf.COOKIE) String csrfCookie, @QueryParam("status") String status) {
        String token = csrf.token(csrfCookie);
        return page(200, token, status, null, null).cookie(csrf.cookie(token)).build();
    }

    @POST
    @Path("waitlist/invite-next")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response inviteNext(@CookieParam(Csrf.COOKIE) String csrfCookie, @FormParam(Csrf.FIELD) String csrfField,
                               @FormParam("count") String count) {
        csrf.verify(csrfCookie, csrfField);
        try {
            int n;
            try {
                n = Integer.parseInt(Text.trimToNull(count) == null ? "" : count.strip());
            } catch (NumberFormatException e) {
                throw AccountsException.invalid("count", "count must be a whole number.");
            }
            List<SentInvitation> sent = invitations.inviteNext(n, Actors.of(identity));
            return page(200, csrfCookie, null, sent.size() + " invitation(s) sent.", null).build();
        } catch (AccountsException e) {
            return page(e.status(), csrfCookie, null, null, e.getMessage()).build();
        }
    }

    @POST
    @Path("waitlist/invite-selected")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response inviteSelected(@CookieParam(Csrf.COOKIE) String csrfCookie, @FormParam(Csrf.FIELD) String csrfField,
                                   @FormParam("entry") List<String> entries) {
        csrf.verify(csrfCookie, csrfField);
        try {
            List<UUID> ids = new ArrayList<>();
            for (String e : entries == null ? List.<String>of() : entries) {
                ids.add(uuid(e, "entry"));
            }
            if (ids.isEmpty()) {
                throw AccountsException.invalid("entry", "Select at least one entry.");
            }
            List<SentInvitation> sent = invitations.inviteSelected(ids, Actors.of(identity));
            return page(200, csrfCookie, null, sent.size() + " invitation(s) sent.", null).build();
        } catch (AccountsException e) {
            return page(e.status(), csrfCookie, null, null, e.getMessage()).build();
        }
    }

    @POST
    @Path("invitations/{id}/revoke")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response revoke(@PathParam("id") UUID id, @CookieParam(Csrf.COOKIE) String csrfCookie,
                           @FormParam(Csrf.FIELD) String csrfField) {
        csrf.verify(csrfCookie, csrfField);
        try {
            invitations.revoke(id, Actors.of(identity));
            return page(200, csrfCookie, null, "Invitation revoked.", null).build();
        } catch (AccountsException e) {
            return page(e.status(), csrfCookie, null, null, e.getMessage()).build();
        }
    }

    @GET
    @Path("orgs")
    public Response orgs(@CookieParam(Csrf.COOKIE) String csrfCookie) {
        String token = csrf.token(csrfCookie);
        return orgsPage(200, token, null, null).cookie(csrf.cookie(token)).build();
    }

    @POST
    @Path("orgs/{id}/plan")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response changePlan(@PathParam("id") UUID id, @CookieParam(Csrf.COOKIE) String csrfCookie,
                               @FormParam(Csrf.FIELD) String csrfField, @FormParam("plan") String plan,
                               @FormParam("rpm_limit") String rpm, @FormParam("tpm_limit") String tpm,
                               @FormParam("models") List<String> models, @FormParam("custom_models") String custom) {
        csrf.verify(csrfCookie, csrfField);
        try {
            organizations.changePlan(id, Text.trimToNull(plan), number(rpm, "rpm_limit"), number(tpm, "tpm_limit"),
                    "on".equals(custom) ? (models == null ? List.of() : models) : null, Actors.of(identity));
            return orgsPage(200, csrfCookie, "Plan updated.", null).build();
        } catch (AccountsException e) {
            return orgsPage(e.status(), csrfCookie, null, e.getMessage()).build();
        }
    }

    static UUID uuid(String s, String param) {
        try {
            return UUID.fromString(s.strip());
        } catch (RuntimeException e) {
            throw AccountsException.invalid(param, "Not an id: " + Text.clip(s, 40));
        }
    }

    static Integer number(String s, String param) {
        String t = Text.trimToNull(s);
        if (t == null) {
            return null;
        }
        try {
            return Integer.valueOf(t);
        } catch (NumberFormatException e) {
            throw AccountsException.invalid(param, param + " must be a whole number.");
        }
    }

    private Response.ResponseBuilder page(int status, String csrfToken, String filter, String notice, String error) {
        String f = filter != null && List.of(WaitlistEntry.WAITING, WaitlistEntry.INVITED, WaitlistEntry.ACCEPTED, WaitlistEntry.REVOKED)
                .contains(filter) ? filter : null;
        String html = invitationsPage.data("entries", waitlist.list(f, PAGE)).data("filter", f)
                .data("invitations", invitations.latest(100)).data("events", audit.latest(null, 50))
                .data("csrf", csrfToken).data("notice", notice).data("error", error).data("mock", mailMocked).render();
        return Response.status(status).entity(html).type(MediaType.TEXT_HTML_TYPE);
    }

    private Response.ResponseBuilder orgsPage(int status, String csrfToken, String notice, String error) {
        String html = orgsPage.data("orgs", organizations.all()).data("plans", organizations.plans())
                .data("models", organizations.knownModels()).data("csrf", csrfToken).data("notice", notice)
                .data("error", error).render();
        return Response.status(status).entity(html).type(MediaType.TEXT_HTML_TYPE);
    }
}
