package io.sirocco.accounts.web;

import io.quarkus.security.Authenticated;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

import java.net.URI;

/** {@code /signin}: the public "Sign in" link; after Keycloak's login, each role lands on the pages it may open. */
@Path("/signin")
@Authenticated
public class SignIn {

    @Inject
    Viewer viewer;

    @GET
    public Response signIn() {
        String home = viewer.isAdmin() ? "/admin" : viewer.isCustomer() ? "/console" : "/";
        return Response.seeOther(URI.create(home)).build();
    }
}
