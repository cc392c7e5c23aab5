package io.sirocco.accounts;

import java.util.UUID;

/** An accepted invitation: the Keycloak user and org, and whether an existing account was linked. */
public record AcceptResult(String email, String userId, UUID orgId, boolean linkedExistingAccount) {
}
