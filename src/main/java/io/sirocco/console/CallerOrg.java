package io.sirocco.console;

import io.sirocco.accounts.Member;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.UUID;

/**
 * The organization of the signed-in customer, for every org-scoped billing page: their first membership, as the
 * accounts console shows it ({@link ConsoleCaller#primary()}; 403 page when they belong to none).
 */
@ApplicationScoped
public class CallerOrg {

    @Inject
    ConsoleCaller caller;

    public UUID orgId() {
        return caller.primary().orgId();
    }

    /** Owners may change their org's key caps. */
    public boolean isOwner() {
        return Member.OWNER.equals(caller.primary().role());
    }
}
