package io.sirocco.accounts;

import io.agroal.api.AgroalDataSource;
import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.common.http.TestHTTPResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;

import java.net.URI;

/** What the accounts flow tests share: the database, the mock mailbox, the server's address, a fresh signup limit. */
abstract class AccountsTestBase {
    @Inject
    SignupRateLimiter limiter;
    @Inject
    MockMailbox mailbox;
    @Inject
    AgroalDataSource db;
    @TestHTTPResource("/")
    URI base;

    @BeforeEach
    void resetSignupLimit() {
        limiter.reset();
    }
}
