package io.sirocco.accounts.web;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Signing out is a POST with the CSRF token (the navigation's Sign out button), so that another site cannot sign a
 * person out with a link or an image. Before authentication, {@code /logout} answers anything but such a POST
 * itself: 405 for a GET, 403 for a POST without the token of the caller's CSRF cookie; a valid POST goes on to
 * quarkus-oidc, whose {@code quarkus.oidc.logout.path} ends the session and the Keycloak session.
 */
@ApplicationScoped
public class SignOut {
    private static final int MAX_FORM_BYTES = 4096;

    void install(@Observes Router router) {
        router.route("/logout").order(Integer.MIN_VALUE + 3).handler(this::allowOnlyPost);
        router.route("/logout").order(Integer.MIN_VALUE + 4).handler(BodyHandler.create(false).setBodyLimit(MAX_FORM_BYTES));
        router.route("/logout").order(Integer.MIN_VALUE + 5).handler(this::guard);
    }

    private void allowOnlyPost(RoutingContext rc) {
        if (rc.request().method() != HttpMethod.POST) {
            page(rc, 405, "Sign out with the button", "To sign out, use the Sign out button at the top of a page.");
            return;
        }
        rc.next();
    }

    /** After the form was read (Vert.x's body handler, at most 4 KiB). */
    private void guard(RoutingContext rc) {
        String body = rc.body() == null ? null : rc.body().asString(StandardCharsets.UTF_8.name());
        String field = body == null ? null : formField(body, Csrf.FIELD);
        io.vertx.core.http.Cookie cookie = rc.request().getCookie(Csrf.COOKIE);
        if (cookie == null || field == null || !MessageDigest.isEqual(cookie.getValue().getBytes(StandardCharsets.UTF_8),
                field.getBytes(StandardCharsets.UTF_8))) {
            page(rc, 403, "Form expired", "This sign-out was not accepted (missing or stale security token). "
                    + "Go back, reload the page and use the Sign out button again.");
            return;
        }
        rc.next();
    }

    static String formField(String form, String name) {
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                try {
                    return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static void page(RoutingContext rc, int status, String title, String text) {
        if (status == 405) {
            rc.response().putHeader("Allow", "POST");
        }
        rc.response().setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8")
                .end("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title + "</title>"
                        + "<link rel=\"stylesheet\" href=\"/static/sirocco.css\"></head><body><main><h1>" + title
                        + "</h1><p>" + text + "</p><p><a href=\"/\">Home</a></p></main></body></html>");
    }
}
