package io.sirocco.accounts;

/**
 * A refused accounts operation with the HTTP status and a message fit for the caller.
 * {@code param} names the offending field, when there is one.
 */
public class AccountsException extends RuntimeException {
    private final int status;
    private final String code;
    private final String param;

    public AccountsException(int status, String code, String param, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.param = param;
    }

    public static AccountsException invalid(String param, String message) {
        return new AccountsException(400, "invalid_request", param, message);
    }

    public static AccountsException notFound(String message) {
        return new AccountsException(404, "not_found", null, message);
    }

    /** A member whose role does not include this (403). */
    public static AccountsException forbidden(OrgRole role, Permission p) {
        return new AccountsException(403, "role_forbidden", null, "Your role in this organization (" + role.id()
                + ") does not include " + p.id() + ". Ask an owner of the organization.");
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }
}
