package io.sirocco.accounts.web;

import io.quarkus.oidc.OIDCException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * When Keycloak is down, quarkus-oidc cannot start a sign-in: it answers a bare 401 (or fails with "OIDC Server is not
 * available"). This turns both into a clean 503: before authentication, a page request without a session is checked
 * against Keycloak's availability (probed, cached a few seconds); failures are mapped too, with the JSON error body
 * under /api. Public paths and the /v1 API never depend on Keycloak.
 */
@Singleton
public class OidcUnavailablePage {

    @Inject
    OidcAvailability availability;

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::beforeSignIn);
        router.route().order(Integer.MIN_VALUE).failureHandler(this::handle);
    }

    /**
     * Sign-in pages (console, admin, logout) opened without a session need Keycloak: answer 503 if it is down. Only
     * a GET opens a page; a script's POST without a session (the playground's) gets its route's own 401.
     */
    private void beforeSignIn(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        boolean signInPage = ctx.request().method() == HttpMethod.GET && (path.equals("/console") || path.startsWith("/console/") || path.equals("/admin")
                || path.startsWith("/admin/") || path.equals("/logout"));
        boolean hasSession = ctx.request().cookies().stream().anyMatch(c -> c.getName().startsWith("q_session"));
        if (!signInPage || hasSession) {
            ctx.next();
            return;
        }
        Context context = Vertx.currentContext();
        availability.isUp().thenAccept(up -> context.runOnContext(v -> {
            if (up) {
                ctx.next();
            } else {
                sendPage(ctx);
            }
        }));
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
            sendPage(ctx);
        }
    }

    private static void sendPage(RoutingContext ctx) {
        ctx.response().setStatusCode(503).putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Retry-After", "30")
                .end("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign-in unavailable</title>"
                            + "<link rel=\"stylesheet\" href=\"/static/sirocco.css\"></head><body><main>"
                            + "<h1>Sign-in is temporarily unavailable</h1><p>Our identity service cannot be reached right now."
                            + " Please try again in a minute. The API keeps working.</p></main></body></html>");
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
