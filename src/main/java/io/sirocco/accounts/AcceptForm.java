package io.sirocco.accounts;

import io.quarkus.qute.TemplateData;

/**
 * What an invitee submits to create their account. Names and password are ignored when the email already has a
 * Keycloak account (it is linked instead).
 */
@TemplateData
public record AcceptForm(String firstName, String lastName, String password, String passwordConfirm, String orgName) {
    public static final int NAME_MAX = 100;
    public static final int ORG_MAX = 200;
    public static final int PASSWORD_MIN = 10;
    public static final int PASSWORD_MAX = 128;

    /** Checks the fields needed to create a new account; throws {@link AccountsException} (400). */
    public void validateNewAccount() {
        String f = Text.trimToNull(firstName);
        String l = Text.trimToNull(lastName);
        if (f == null || f.length() > NAME_MAX) {
            throw AccountsException.invalid("first_name", "First name is required (at most " + NAME_MAX + " characters).");
        }
        if (l == null || l.length() > NAME_MAX) {
            throw AccountsException.invalid("last_name", "Last name is required (at most " + NAME_MAX + " characters).");
        }
        if (password == null || password.length() < PASSWORD_MIN || password.length() > PASSWORD_MAX) {
            throw AccountsException.invalid("password",
                    "The password needs " + PASSWORD_MIN + " to " + PASSWORD_MAX + " characters.");
        }
        if (!password.equals(passwordConfirm)) {
            throw AccountsException.invalid("password_confirm", "The two passwords differ.");
        }
        validateOrgName();
    }

    public void validateOrgName() {
        String o = Text.trimToNull(orgName);
        if (o != null && o.length() > ORG_MAX) {
            throw AccountsException.invalid("org_name", "Organization name must be at most " + ORG_MAX + " characters.");
        }
    }

    @Override
    public String toString() {
        return "AcceptForm[firstName=" + firstName + ", lastName=" + lastName + ", orgName=" + orgName + "]";
    }
}
