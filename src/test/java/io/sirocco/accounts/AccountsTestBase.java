package io.sirocco.accounts;

import io.agroal.api.AgroalDataSource;
import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.common.http.TestHTTPResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;

import java.net.URI;

/**
 * What the accounts and console flow tests share: the database, the mock mailbox, the server's address, a fresh
 * signup limit, and customers signed in to the console.
 */
public abstract class AccountsTestBase {
    @Inject
    protected SignupRateLimiter limiter;
    @Inject
    protected MockMailbox mailbox;
    @Inject
    protected AgroalDataSource db;
    @TestHTTPResource("/")
    protected URI base;

    @BeforeEach
    void resetSignupLimit() {
        limiter.reset();
    }

    /** A new person, invited and accepted, owner of a new org ({@code tag} starts their email). */
    protected Fixtures.Customer customer(String tag) {
        return Fixtures.customer(base, mailbox, tag);
    }

    /** The person's browser session, signed in through Keycloak starting at {@code page}. */
    protected WebSession signIn(Fixtures.Customer c, String page) {
        return WebSession.login(base, page, c.email(), c.password());
    }
}
