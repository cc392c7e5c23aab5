package io.sirocco.admin;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

import java.net.URI;

/** {@code /admin}: the operators' landing page is the billing dashboard. */
@Path("/admin")
@RolesAllowed("admin")
public class AdminHome {
    @GET
    public Response home() {
        return Response.seeOther(URI.create("/admin/billing")).build();
    }
}
