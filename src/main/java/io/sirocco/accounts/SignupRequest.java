package io.sirocco.accounts;

import io.quarkus.qute.TemplateData;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A waitlist signup as submitted (JSON or form). {@link #validated} trims, lower-cases the email and checks limits. */
@TemplateData
public record SignupRequest(String email, String name, String company,
                            @JsonProperty("intended_use") String intendedUse) {
    public static final int NAME_MAX = 200;
    public static final int COMPANY_MAX = 200;
    public static final int USE_MAX = 2000;

    /** The cleaned request; throws {@link AccountsException} (400) naming the first bad field. */
    public SignupRequest validated() {
        String e = Text.normalizeEmail(email);
        if (e == null) {
            throw AccountsException.invalid("email", "Email is required.");
        }
        if (e.length() > Text.EMAIL_MAX) {
            throw AccountsException.invalid("email", "Email must be at most " + Text.EMAIL_MAX + " characters.");
        }
        if (!Text.isEmail(e)) {
            throw AccountsException.invalid("email", "That does not look like an email address.");
        }
        String n = Text.trimToNull(name);
        if (n == null) {
            throw AccountsException.invalid("name", "Name is required.");
        }
        check("name", n, NAME_MAX);
        String c = Text.trimToNull(company);
        check("company", c, COMPANY_MAX);
        String u = Text.trimToNull(intendedUse);
        check("intended_use", u, USE_MAX);
        return new SignupRequest(e, n, c, u);
    }

    private static void check(String field, String value, int max) {
        if (value != null && value.length() > max) {
            throw AccountsException.invalid(field, field.replace('_', ' ') + " must be at most " + max + " characters.");
        }
    }
}
