package io.sirocco.console;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.sirocco.accounts.Member;
import io.sirocco.accounts.Permission;
import io.sirocco.accounts.Organization;
import io.sirocco.accounts.web.CsrfPage;
import io.sirocco.gateway.ModelRegistry;
import io.sirocco.http.BaseUrl;
import io.sirocco.gateway.ModelTier;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.util.List;

/**
 * {@code /console/playground}: try the chat models as the signed-in member's org. The page's script
 ({@code /static/playground.js}) posts to {@link PlaygroundRoute} with the page's CSRF token; the form's settings are
 * the API request's fields, and "view as curl" shows that request against this server's base URL.
 */
@Path("/console/playground")
@RolesAllowed("customer")
@Produces(MediaType.TEXT_HTML)
public class PlaygroundPage {

    @Inject
    ConsoleCaller caller;
    @Inject
    ConsoleKeys keys;
    @Inject
    ModelRegistry registry;
    @Inject
    CsrfPage pages;
    @Inject
    @Location("console/playground.html")
    Template page;

    @GET
    public Response show(@Context UriInfo uri) {
        Member m = caller.primary(Permission.PLAYGROUND);
        Organization org = keys.org(m);
        List<String> models = ModelTier.ALL.stream().filter(t -> t.kind() == ModelTier.Kind.CHAT)
                .map(ModelTier::id).filter(org::mayUse).filter(id -> !registry.ready() || registry.get(id).isPresent()).toList();
        return pages.show(token -> Response.ok(page.data("org", org).data("models", models)
                .data("csrf", token).data("chatPath", PlaygroundRoute.PATH)
                .data("csrfHeader", PlaygroundRoute.CSRF_HEADER).data("baseUrl", BaseUrl.of(uri)).render(),
                MediaType.TEXT_HTML_TYPE).header("Cache-Control", "no-store"));
    }
}
