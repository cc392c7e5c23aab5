package io.sirocco.accounts;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.keycloak.admin.client.CreatedResponseUtil;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.UsersResource;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

import java.util.List;
import java.util.Optional;

/**
 * Keycloak users through the admin REST API, as the {@code sirocco-service} service account
 * (realm-management roles manage-users, view-users, query-users).
 */
@ApplicationScoped
public class KeycloakUsers {

    public static final String CUSTOMER = "customer";

    @Inject
    Keycloak keycloak;
    @ConfigProperty(name = "sirocco.accounts.realm", defaultValue = "sirocco")
    String realm;

    private UsersResource users() {
        return keycloak.realm(realm).users();
    }

    /** The id of the user with exactly this email, if any. */
    public Optional<String> findByEmail(String email) {
        return users().searchByEmail(email, true).stream()
                .filter(u -> email.equalsIgnoreCase(u.getEmail()))
                .map(UserRepresentation::getId).findFirst();
    }

    /**
     * Creates an enabled user (username = email, email verified, names set so Keycloak asks for no profile update)
     * with a permanent password, and returns the new id. If the email is taken meanwhile, returns that user's id.
     */
    public String create(String email, String firstName, String lastName, String password) {
        UserRepresentation u = new UserRepresentation();
        u.setUsername(email);
        u.setEmail(email);
        u.setFirstName(firstName);
        u.setLastName(lastName);
        u.setEnabled(true);
        u.setEmailVerified(true);
        CredentialRepresentation pw = new CredentialRepresentation();
        pw.setType(CredentialRepresentation.PASSWORD);
        pw.setValue(password);
        pw.setTemporary(false);
        u.setCredentials(List.of(pw));
        try (Response r = users().create(u)) {
            if (r.getStatus() == 409) {
                return findByEmail(email).orElseThrow(() -> new IllegalStateException("Keycloak reported a conflict"));
            }
            if (r.getStatus() == 400) {
                throw AccountsException.invalid("password", "Keycloak refused the account: " + errorOf(r));
            }
            return CreatedResponseUtil.getCreatedId(r);
        } catch (WebApplicationException e) {
            throw new IllegalStateException("Keycloak user creation failed: HTTP " + e.getResponse().getStatus(), e);
        }
    }

    private static String errorOf(Response r) {
        try {
            return r.readEntity(String.class).replaceAll("[\"{}]", "");
        } catch (RuntimeException e) {
            return "HTTP " + r.getStatus();
        }
    }

    /** Gives the user the realm role {@code customer} (no-op when they have it). */
    public void grantCustomer(String userId) {
        var roles = users().get(userId).roles().realmLevel();
        List<RoleRepresentation> customer = roles.listAvailable().stream()
                .filter(role -> CUSTOMER.equals(role.getName())).toList();
        if (!customer.isEmpty()) {
            roles.add(customer);
        }
    }

    /** Realm role names of a user (tests and the admin view). */
    public List<String> realmRoles(String userId) {
        return users().get(userId).roles().realmLevel().listEffective().stream().map(RoleRepresentation::getName).toList();
    }

    /** Deletes a user (test cleanup). */
    public void delete(String userId) {
        try (Response ignored = users().delete(userId)) {
            // 204 or 404: either way the user is gone
        }
    }
}
