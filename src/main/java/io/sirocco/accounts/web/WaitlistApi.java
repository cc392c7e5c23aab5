package io.sirocco.accounts.web;

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

import java.util.LinkedHashMap;
import java.util.Map;

/** The public waitlist API: signup (JSON or form) and status by token. Answers JSON. */
@Path("/api/waitlist")
@Produces(MediaType.APPLICATION_JSON)
public class WaitlistApi {

    @Inject
    Waitlist waitlist;
    @Inject
    SignupRateLimiter rateLimiter;
    @Inject
    io.sirocco.accounts.AccountsMail mail;

    /** The one answer to every valid signup, new or repeated: the details are in the mail. */
    static final Map<String, Object> RECEIVED = received();

    private static Map<String, Object> received() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("object", "waitlist.signup");
        m.put("status", "received");
        m.put("message", "Thanks. We sent an email to that address with a link to your place on the waitlist.");
        return java.util.Collections.unmodifiableMap(m);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response signupJson(SignupRequest body, @Context HttpServerRequest request) {
        if (body == null) {
            throw AccountsException.invalid(null, "A JSON body with email and name is required.");
        }
        return signup(body, request);
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response signupForm(@FormParam("email") String email, @FormParam("name") String name,
                               @FormParam("company") String company, @FormParam("intended_use") String intendedUse,
                               @Context HttpServerRequest request) {
        return signup(new SignupRequest(email, name, company, intendedUse), request);
    }

    private Response signup(SignupRequest r, HttpServerRequest request) {
        String ip = ClientIp.of(request);
        if (!rateLimiter.tryAcquire(ip)) {
            return Response.status(429).entity(ErrorBody.of("Too many signups from your address. Try again later.",
                    "rate_limit_error", null, "rate_limited")).build();
        }
        waitlist.signup(r, ip);
        return Response.status(202).entity(RECEIVED).build();
    }

    @GET
    @Path("status/{token}")
    public Map<String, Object> status(@PathParam("token") String token) {
        return waitlist.byStatusToken(token).map(WaitlistApi::json)
                .orElseThrow(() -> AccountsException.notFound("Unknown status link."));
    }

    static Map<String, Object> json(WaitlistEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("email", e.email());
        m.put("name", e.name());
        m.put("status", e.status());
        m.put("position", e.position());
        m.put("created_at", e.createdAt());
        return m;
    }
}
