package io.sirocco.accounts.web;

import io.quarkus.oidc.OIDCException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * When Keycloak is down, quarkus-oidc fails sign-in with "OIDC Server is not available" (a 500). This turns that into
 * a clean 503: a short page for browsers, the JSON error body under /api. The /v1 API never depends on Keycloak.
 */
@Singleton
public class OidcUnavailablePage {

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        if (!isOidcUnavailable(ctx.failure()) || ctx.response().headWritten()) {
            ctx.next();
            return;
        }
        if (ctx.request().path().startsWith("/api/")) {
            ctx.response().setStatusCode(503).putHeader("Content-Type", "application/json")
                    .end("{\"object\":\"error\",\"error\":{\"message\":\"Sign-in is temporarily unavailable.\","
                            + "\"type\":\"server_error\",\"param\":null,\"code\":\"identity_unavailable\"}}");
        } else {
            ctx.response().setStatusCode(503).putHeader("Content-Type", "text/html; charset=utf-8")
                    .putHeader("Retry-After", "30")
                    .end("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign-in unavailable</title>"
                            + "<link rel=\"stylesheet\" href=\"/static/sirocco.css\"></head><body><main>"
                            + "<h1>Sign-in is temporarily unavailable</h1><p>Our identity service cannot be reached right now."
                            + " Please try again in a minute. The API keeps working.</p></main></body></html>");
        }
    }

    static boolean isOidcUnavailable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof OIDCException || c.getMessage() != null && c.getMessage().contains("OIDC Server is not available")) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }
}
