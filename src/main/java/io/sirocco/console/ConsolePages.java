package io.sirocco.console;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.sirocco.accounts.AccountsException;
import io.sirocco.accounts.CreatedKey;
import io.sirocco.accounts.Member;
import io.sirocco.accounts.Organization;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.Permission;
import io.sirocco.accounts.web.ChosenOrg;
import io.sirocco.accounts.web.CsrfForm;
import io.sirocco.accounts.web.CsrfPage;
import io.sirocco.accounts.web.Viewer;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The customer console's key pages (Keycloak role {@code customer} plus org membership; sign-in through the OIDC
 * code flow). Forms carry a CSRF token. A new key's secret appears in the response to its creation only.
 */
@Path("/console")
@RolesAllowed("customer")
@Produces(MediaType.TEXT_HTML)
public class ConsolePages {

    @Inject
    ConsoleCaller caller;
    @Inject
    ConsoleKeys keys;
    @Inject
    Organizations organizations;
    @Inject
    CsrfPage pages;
    @Inject
    Viewer viewer;
    @Inject
    @Location("console/keys.html")
    Template keysPage;

    @GET
    public Response home() {
        return Response.seeOther(URI.create(viewer.consoleHome())).build();
    }

    /**
     * The navigation's organization switcher: makes {@code org} the one the console shows (a cookie, {@link ChosenOrg})
     * and goes to the console's first page for the caller's role there. An org the caller is not in is a 404.
     */
    @POST
    @Path("org")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response chooseOrg(@BeanParam CsrfForm form, @FormParam("org") String org) {
        pages.verify(form);
        UUID orgId;
        try {
            orgId = UUID.fromString(org == null ? "" : org.strip());
        } catch (IllegalArgumentException e) {
            throw AccountsException.invalid("org", "Choose one of your organizations.");
        }
        Member m = caller.of(orgId);
        return Response.seeOther(URI.create("/console")).cookie(ChosenOrg.cookie(m)).build();
    }

    @GET
    @Path("keys")
    public Response list() {
        return pages.show(token -> page(200, caller.primary(Permission.KEYS), token, null, null, null));
    }

    @POST
    @Path("keys")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response create(@BeanParam CsrfForm form, @FormParam("name") String name,
                           @FormParam("expires") String expires, @FormParam("models") List<String> models) {
        Member m = caller.posted(form, Permission.KEYS);
        try {
            CreatedKey created = keys.create(m, caller.actor(), name, expires, models);
            return page(201, m, form.token(), created, null, null).build();
        } catch (AccountsException e) {
            if (!"invalid_request".equals(e.code())) {
                throw e;
            }
            return page(400, m, form.token(), null, e.getMessage(), null).build();
        }
    }

    @POST
    @Path("keys/{id}/revoke")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response revoke(@PathParam("id") UUID id, @BeanParam CsrfForm form) {
        Member m = caller.posted(form, Permission.KEYS);
        keys.revoke(m, id, caller.actor());
        return Response.seeOther(URI.create("/console/keys")).build();
    }

    @POST
    @Path("keys/{id}/rotate")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response rotate(@PathParam("id") UUID id, @BeanParam CsrfForm form,
                           @FormParam("grace_minutes") @DefaultValue("0") String graceMinutes) {
        Member m = caller.posted(form, Permission.KEYS);
        long minutes;
        try {
            minutes = Long.parseLong(graceMinutes.strip());
        } catch (NumberFormatException e) {
            throw AccountsException.invalid("grace_minutes", "The grace period is a whole number of minutes.");
        }
        if (minutes < 0 || minutes > ConsoleKeys.MAX_GRACE.toMinutes()) {
            throw AccountsException.invalid("grace_minutes", "The grace period must be between 0 and 7 days.");
        }
        CreatedKey created = keys.rotate(m, id, Duration.ofMinutes(minutes), caller.actor());
        return page(201, m, form.token(), created, null, "Key rotated. " + (minutes == 0
                ? "The old key no longer works." : "The old key keeps working for " + minutes + " minutes.")).build();
    }

    private Response.ResponseBuilder page(int status, Member m, String csrfToken, CreatedKey created, String error,
                                          String notice) {
        Organization org = keys.org(m);
        List<String> models = organizations.knownModels().stream().filter(org::mayUse).toList();
        String html = keysPage.data("org", org).data("member", m).data("keys", keys.list(m))
                .data("members", organizations.members(m.orgId())).data("models", models)
                .data("csrf", csrfToken).data("created", created).data("error", error).data("notice", notice)
                .data("actor", caller.actor()).render();
        return Response.status(status).entity(html).type(MediaType.TEXT_HTML_TYPE)
                .header("Cache-Control", "no-store");
    }
}
