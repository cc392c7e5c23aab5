package io.sirocco.admin;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.security.identity.SecurityIdentity;
import io.sirocco.accounts.AccountsException;
import io.sirocco.accounts.AuditLog;
import io.sirocco.accounts.Invitations;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.Text;
import io.sirocco.accounts.Waitlist;
import io.sirocco.accounts.WaitlistEntry;
import io.sirocco.accounts.web.Actors;
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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

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
    CsrfPage pages;
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
    public Response waitlistPage(@QueryParam("status") String status) {
        return pages.show(token -> page(200, token, status, null, null));
    }

    @POST
    @Path("waitlist/invite-next")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response inviteNext(@BeanParam CsrfForm form, @FormParam("count") String count) {
        return waitlistChange(form, () -> {
            int n;
            try {
                n = Integer.parseInt(Text.trimToNull(count) == null ? "" : count.strip());
            } catch (NumberFormatException e) {
                throw AccountsException.invalid("count", "count must be a whole number.");
            }
            return invitations.inviteNext(n, Actors.of(identity)).size() + " invitation(s) sent.";
        });
    }

    @POST
    @Path("waitlist/invite-selected")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response inviteSelected(@BeanParam CsrfForm form, @FormParam("entry") List<String> entries) {
        return waitlistChange(form, () -> {
            List<UUID> ids = new ArrayList<>();
            for (String e : entries == null ? List.<String>of() : entries) {
                ids.add(uuid(e, "entry"));
            }
            if (ids.isEmpty()) {
                throw AccountsException.invalid("entry", "Select at least one entry.");
            }
            return invitations.inviteSelected(ids, Actors.of(identity)).size() + " invitation(s) sent.";
        });
    }

    @POST
    @Path("invitations/{id}/revoke")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response revoke(@PathParam("id") UUID id, @BeanParam CsrfForm form) {
        return waitlistChange(form, () -> {
            invitations.revoke(id, Actors.of(identity));
            return "Invitation revoked.";
        });
    }

    /** Runs a change from the waitlist page; the page shows again with its notice, or with the refusal's reason. */
    private Response waitlistChange(CsrfForm form, Supplier<String> change) {
        pages.verify(form);
        try {
            return page(200, form.token(), null, change.get(), null).build();
        } catch (AccountsException e) {
            return page(e.status(), form.token(), null, null, e.getMessage()).build();
        }
    }

    @GET
    @Path("orgs")
    public Response orgs() {
        return pages.show(token -> orgsPage(200, token, null, null));
    }

    @POST
    @Path("orgs/{id}/plan")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response changePlan(@PathParam("id") UUID id, @BeanParam CsrfForm form, @FormParam("plan") String plan,
                               @FormParam("rpm_limit") String rpm, @FormParam("tpm_limit") String tpm,
                               @FormParam("models") List<String> models, @FormParam("custom_models") String custom) {
        pages.verify(form);
        try {
            organizations.changePlan(id, Text.trimToNull(plan), number(rpm, "rpm_limit"), number(tpm, "tpm_limit"),
                    "on".equals(custom) ? (models == null ? List.of() : models) : null, Actors.of(identity));
            return orgsPage(200, form.token(), "Plan updated.", null).build();
        } catch (AccountsException e) {
            return orgsPage(e.status(), form.token(), null, e.getMessage()).build();
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
