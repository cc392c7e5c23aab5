package io.sirocco.accounts.web;

/** A state-changing form arrived without a matching CSRF token. Mapped to a 403 page. */
public class CsrfRejectedException extends RuntimeException {
    public CsrfRejectedException() {
        super("CSRF token missing or wrong", null, false, false);
    }
}
