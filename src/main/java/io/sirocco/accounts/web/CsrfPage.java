package io.sirocco.accounts.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;

import java.util.function.Function;

/**
 * What a page with forms does about CSRF ({@link Csrf}): {@link #show} renders it with the caller's token and sets that
 * token as the cookie, {@link #verify} checks a form post's pair.
 */
@ApplicationScoped
public class CsrfPage {
    @Inject
    Csrf csrf;

    /**
     * {@code render} gets the token to put in the page's forms (the caller's cookie's, or a new one) and builds the
     * response, which sets the token as the cookie.
     */
    public Response show(Function<String, Response.ResponseBuilder> render) {
        String token = csrf.token();
        return render.apply(token).cookie(csrf.cookie(token)).build();
    }

    /** Throws {@link CsrfRejectedException} (a 403 page) unless the form's field matches its cookie. */
    public void verify(CsrfForm form) {
        csrf.verify(form);
    }
}
