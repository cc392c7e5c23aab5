package io.sirocco.accounts.web;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.sirocco.accounts.AccountsException;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Maps the accounts' own refusals: JSON error bodies under /api, a plain page elsewhere. Only these exception types,
 * so other features' mappers are untouched.
 */
public class AccountsErrors {

    @Inject
    @Location("accounts/message.html")
    Template message;

    @ServerExceptionMapper
    public Response accounts(AccountsException e, UriInfo uri) {
        if (uri.getPath().startsWith("/api/")) {
            return Response.status(e.status()).type(MediaType.APPLICATION_JSON).entity(ErrorBody.of(e)).build();
        }
        return page(e.status(), "Sorry", e.getMessage());
    }

    @ServerExceptionMapper
    public Response csrf(CsrfRejectedException e) {
        return page(403, "Form expired",
                "This form was not accepted (missing or stale security token). Go back, reload the page and try again.");
    }

    public Response page(int status, String title, String text) {
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE)
                .entity(message.data("title", title).data("text", text).render()).build();
    }
}
