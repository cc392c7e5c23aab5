package io.sirocco.accounts.web;

import jakarta.ws.rs.CookieParam;
import org.jboss.resteasy.reactive.RestForm;

/**
 * The CSRF pair a state-changing form post carries ({@code @BeanParam CsrfForm form}): the cookie and the hidden
 * field, which {@link Csrf#verify(CsrfForm)} compares. After the check, {@link #token()} is the token the page
 * rendered in answer to the post puts in its forms again.
 */
public class CsrfForm {
    @CookieParam(Csrf.COOKIE)
    String cookie;
    @RestForm(Csrf.FIELD)
    String field;

    public CsrfForm() {
    }

    public CsrfForm(String cookie, String field) {
        this.cookie = cookie;
        this.field = field;
    }

    /** The caller's token (the cookie's). */
    public String token() {
        return cookie;
    }

    String field() {
        return field;
    }
}
