package io.sirocco.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.List;
import java.util.Locale;

/**
 * The one place that hardens every response, pages added later included: {@code nosniff} and a same-origin
 * referrer everywhere; on HTML a strict Content-Security-Policy (scripts, styles, images and fonts from this
 * origin only, no inline script, no framing); HSTS on HTTPS (directly or behind a proxy that says so, with
 * {@code quarkus.http.proxy.proxy-address-forwarding}); and every cookie HttpOnly, SameSite=Lax (unless stricter)
 * and Secure on HTTPS. Swagger UI (/q/swagger-ui) needs inline script, so /q/ keeps only the general headers.
 */
@ApplicationScoped
public class SecurityHeaders {

    @ConfigProperty(name = "sirocco.http.hsts.enabled", defaultValue = "true")
    boolean hsts;
    @ConfigProperty(name = "sirocco.http.hsts.max-age", defaultValue = "31536000")
    long hstsMaxAge;
    @ConfigProperty(name = "sirocco.keycloak.url")
    String keycloakUrl;

    /** First on the router: every route, static files and errors included, passes through it. */
    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(rc -> {
            rc.addHeadersEndHandler(v -> apply(rc));
            rc.next();
        });
    }

    private void apply(RoutingContext rc) {
        HttpServerRequest req = rc.request();
        MultiMap h = rc.response().headers();
        boolean tls = "https".equalsIgnoreCase(req.scheme());
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "same-origin");
        String type = h.get("Content-Type");
        if (type != null && type.toLowerCase(Locale.ROOT).startsWith("text/html") && !req.path().startsWith("/q/")) {
            h.set("Content-Security-Policy", contentSecurityPolicy());
            h.set("X-Frame-Options", "DENY");
        }
        if (hsts && tls) {
            h.set("Strict-Transport-Security", "max-age=" + hstsMaxAge + "; includeSubDomains");
        }
        hardenCookies(rc, h, tls);
    }

    /** Sign-in forms post to Keycloak and logout redirects there, so form-action names it. */
    String contentSecurityPolicy() {
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
                + "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self' " + origin(keycloakUrl)
                + "; frame-ancestors 'none'";
    }

    private static void hardenCookies(RoutingContext rc, MultiMap h, boolean tls) {
        // cookies set as raw headers (JAX-RS NewCookie) are already in the headers...
        List<String> raw = h.getAll("Set-Cookie");
        if (!raw.isEmpty()) {
            h.remove("Set-Cookie");
            raw.forEach(c -> h.add("Set-Cookie", hardened(c, tls)));
        }
        // ...those set through Vert.x (the OIDC session) are written after this handler, from the cookie jar
        for (Cookie c : rc.request().cookies()) {
            if (c instanceof io.vertx.core.http.impl.ServerCookie sc && sc.isChanged()) {
                c.setHttpOnly(true);
                if (c.getSameSite() == null || c.getSameSite() == CookieSameSite.NONE) {
                    c.setSameSite(CookieSameSite.LAX);
                }
                if (tls) {
                    c.setSecure(true);
                }
            }
        }
    }

    static String hardened(String setCookie, boolean tls) {
        String lower = setCookie.toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(setCookie);
        if (!lower.contains("; httponly")) {
            out.append("; HttpOnly");
        }
        if (!lower.contains("; samesite=")) {
            out.append("; SameSite=Lax");
        }
        if (tls && !lower.contains("; secure")) {
            out.append("; Secure");
        }
        return out.toString();
    }

    private static String origin(String url) {
        java.net.URI u = java.net.URI.create(url.trim());
        return u.getScheme() + "://" + u.getAuthority();
    }
}
