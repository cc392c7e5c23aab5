package io.sirocco.console;

import io.sirocco.accounts.AccountEvent;
import io.sirocco.accounts.AccountsException;
import io.sirocco.accounts.ApiKeys;
import io.sirocco.accounts.AuditLog;
import io.sirocco.accounts.CreatedKey;
import io.sirocco.accounts.KeyView;
import io.sirocco.accounts.Member;
import io.sirocco.accounts.Organization;
import io.sirocco.accounts.Organizations;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/** Key management for a member's org, shared by the console pages and the console API. Audited. */
@ApplicationScoped
public class ConsoleKeys {
    public static final Duration MAX_GRACE = Duration.ofDays(7);

    @Inject
    ApiKeys apiKeys;
    @Inject
    Organizations organizations;
    @Inject
    AuditLog audit;

    public Organization org(Member m) {
        return organizations.find(m.orgId()).orElseThrow(() -> AccountsException.notFound("No such organization."));
    }

    public List<KeyView> list(Member m) {
        return apiKeys.list(m.orgId());
    }

    public KeyView get(Member m, UUID keyId) {
        return apiKeys.find(m.orgId(), keyId).orElseThrow(() -> AccountsException.notFound("No such key."));
    }

    /** Creates a key that {@code m} answers for (removing {@code m} from the org revokes it unless transferred). */
    public CreatedKey create(Member m, String actor, String name, String expires, Collection<String> models) {
        NewKey k = NewKey.parse(name, expires, models, org(m), organizations.knownModels());
        CreatedKey created = apiKeys.create(m.orgId(), k.name(), k.expiresAt(), k.allowedModels(), actor, m.userId());
        audit.record(AccountEvent.of(AccountEvent.KEY_CREATED, actor, created.prefix(), m.orgId(), k.name()));
        return created;
    }

    public KeyView revoke(Member m, UUID keyId, String actor) {
        KeyView k = get(m, keyId);
        if (!apiKeys.revoke(m.orgId(), keyId)) {
            throw new AccountsException(409, "key_revoked", null, "This key is already revoked.");
        }
        audit.record(AccountEvent.of(AccountEvent.KEY_REVOKED, actor, k.prefix(), m.orgId(), k.name()));
        return get(m, keyId);
    }

    public CreatedKey rotate(Member m, UUID keyId, Duration grace, String actor) {
        KeyView old = get(m, keyId);
        if (grace.isNegative() || grace.compareTo(MAX_GRACE) > 0) {
            throw AccountsException.invalid("grace_seconds", "The grace period must be between 0 and 7 days.");
        }
        CreatedKey created = apiKeys.rotate(m.orgId(), keyId, grace, actor)
                .orElseThrow(() -> new AccountsException(409, "key_not_rotatable", null,
                        "Only an active key that has not been rotated yet can be rotated."));
        audit.record(AccountEvent.of(AccountEvent.KEY_ROTATED, actor, old.prefix(), m.orgId(),
                old.name() + " -> " + created.prefix() + ", grace " + grace.toSeconds() + "s"));
        return created;
    }
}
