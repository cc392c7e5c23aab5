package io.sirocco.accounts.web;

import io.sirocco.accounts.SecretTokens;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.NewCookie;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * CSRF protection for the HTML forms that change state (double-submit token): pages that show a form set a random
 * token in an HttpOnly, SameSite=Strict cookie and in a hidden field; the POST must carry both, equal. JSON API routes
 * take bearer tokens, not cookies, so they need no CSRF token.
 */
@ApplicationScoped
public class Csrf {
    public static final String COOKIE = "sirocco_csrf";
    public static final String FIELD = "csrf";

    /** Where a token made during this request is kept, so that every form of one page carries the same. */
    private static final String MADE_KEY = "sirocco.csrf.made";

    @Inject
    CurrentVertxRequest request;

    /**
     * The token for the forms of the page being rendered: the caller's cookie's, or a new one made for this request
     * (made on first use, the same for every form of the page). {@link CsrfPage} sets it as the cookie.
     */
    public String token() {
        RoutingContext rc = request.getCurrent();
        if (rc == null) {
            return "";
        }
        String value = cookieValue(rc);
        if (SecretTokens.looksLikeToken(value)) {
            return value;
        }
        String made = rc.get(MADE_KEY);
        if (made == null) {
            made = SecretTokens.newToken();
            rc.put(MADE_KEY, made);
        }
        return made;
    }

    /**
     * {@link #token()}, set as the cookie on this response when it is new there (the navigation's sign-out button, on
     * pages that set no cookie themselves).
     */
    public String current() {
        String token = token();
        RoutingContext rc = request.getCurrent();
        if (rc != null && !token.equals(cookieValue(rc)) && rc.get(MADE_KEY + ".sent") == null
                && !rc.response().headWritten()) {
            rc.put(MADE_KEY + ".sent", Boolean.TRUE);
            rc.response().addCookie(io.vertx.core.http.Cookie.cookie(COOKIE, token).setPath("/").setHttpOnly(true)
                    .setSameSite(io.vertx.core.http.CookieSameSite.STRICT));
        }
        return token;
    }

    private static String cookieValue(RoutingContext rc) {
        io.vertx.core.http.Cookie cookie = rc.request().getCookie(COOKIE);
        return cookie == null ? null : cookie.getValue();
    }

    /** The token as the cookie (HttpOnly, SameSite=Strict), for a page's response ({@link CsrfPage}). */
    public NewCookie cookie(String token) {
        return new NewCookie.Builder(COOKIE).value(token).path("/").httpOnly(true)
                .sameSite(NewCookie.SameSite.STRICT).build();
    }

    /** Throws {@link CsrfRejectedException} unless the form's field matches its cookie. */
    public void verify(CsrfForm form) {
        verify(form.token(), form.field());
    }

    /** Throws {@link CsrfRejectedException} unless the form field matches the cookie. */
    public void verify(String cookieValue, String formValue) {
        if (!SecretTokens.looksLikeToken(cookieValue) || formValue == null
                || !MessageDigest.isEqual(cookieValue.getBytes(StandardCharsets.US_ASCII),
                formValue.getBytes(StandardCharsets.US_ASCII))) {
            throw new CsrfRejectedException();
        }
    }
}
