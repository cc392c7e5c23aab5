package io.sirocco.accounts.web;

import io.sirocco.accounts.SecretTokens;
import jakarta.enterprise.context.ApplicationScoped;
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

    /** The caller's token if their cookie has one, else a new one. */
    public String token(String cookieValue) {
        return SecretTokens.looksLikeToken(cookieValue) ? cookieValue : SecretTokens.newToken();
    }

    public NewCookie cookie(String token) {
        return new NewCookie.Builder(COOKIE).value(token).path("/").httpOnly(true)
                .sameSite(NewCookie.SameSite.STRICT).build();
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
