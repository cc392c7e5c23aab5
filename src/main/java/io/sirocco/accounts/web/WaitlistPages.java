package io.sirocco.accounts.web;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.sirocco.accounts.AccountsException;
import io.sirocco.accounts.SignupRateLimiter;
import io.sirocco.accounts.SignupRequest;
import io.sirocco.accounts.Waitlist;
import io.sirocco.accounts.WaitlistEntry;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Optional;

/** The public waitlist pages: signup form at / and /waitlist, and the status page behind the emailed link. */
@Path("/")
@Produces(MediaType.TEXT_HTML)
public class WaitlistPages {

    @Inject
    Waitlist waitlist;
    @Inject
    SignupRateLimiter rateLimiter;
    @Inject
    @Location("waitlist.html")
    Template form;
    @Inject
    @Location("waitlist-status.html")
    Template status;
    @Inject
    @Location("waitlist-received.html")
    Template received;
    @Inject
    AccountsErrors errors;

    @GET
    public TemplateInstance home() {
        return blankForm();
    }

    @GET
    @Path("waitlist")
    public TemplateInstance waitlistPage() {
        return blankForm();
    }

    private TemplateInstance blankForm() {
        return form.data("error", null).data("param", null).data("form", new SignupRequest("", "", "", ""));
    }

    @POST
    @Path("waitlist")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response signup(@FormParam("email") String email, @FormParam("name") String name,
                           @FormParam("company") String company, @FormParam("intended_use") String intendedUse,
                           @Context HttpServerRequest request) {
        SignupRequest submitted = new SignupRequest(email, name, company, intendedUse);
        if (!rateLimiter.tryAcquire(ClientIp.of(request))) {
            return Response.status(429).entity(form.data("error", "Too many signups from your network. Try again later.")
                    .data("param", null).data("form", submitted)).build();
        }
        try {
            waitlist.signup(submitted, ClientIp.of(request));
            return Response.ok(received.instance()).build();
        } catch (AccountsException e) {
            return Response.status(e.status()).entity(form.data("error", e.getMessage()).data("param", e.param())
                    .data("form", submitted)).build();
        }
    }

    @GET
    @Path("waitlist/status/{token}")
    public Response statusPage(@PathParam("token") String token) {
        Optional<WaitlistEntry> entry = waitlist.byStatusToken(token);
        if (entry.isEmpty()) {
            return errors.page(404, "Unknown link", "This status link is not valid. Check that you copied all of it.");
        }
        return Response.ok(status.data("entry", entry.get())).build();
    }
}
