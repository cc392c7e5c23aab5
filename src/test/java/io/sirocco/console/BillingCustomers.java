package io.sirocco.console;

import io.agroal.api.AgroalDataSource;
import io.quarkus.mailer.MockMailbox;
import io.sirocco.accounts.Fixtures;
import io.sirocco.accounts.WebSession;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;

/** A real customer for billing page tests: signup, admin invite and acceptance through the accounts flows. */
public final class BillingCustomers {
    /** The person's sign-in and the org they own. */
    public record Customer(String email, String password, UUID orgId) {
    }

    private BillingCustomers() {
    }

    public static Customer create(URI base, MockMailbox mailbox, AgroalDataSource db) {
        String email = Fixtures.uniqueEmail("billing");
        Map<String, Object> entry = Fixtures.signup(email, "Billing Person");
        Fixtures.invite((String) entry.get("id"));
        WebSession.Page done = Fixtures.accept(base, Fixtures.invitationToken(mailbox, email), "Billing", "Person",
                Fixtures.PASSWORD);
        if (done.status() != 303) {
            throw new AssertionError("accepting the invitation failed: " + done.status() + " " + done.body());
        }
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("select org_id from org_members where email = ?")) {
            ps.setString(1, email);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("no membership for " + email);
                }
                return new Customer(email, Fixtures.PASSWORD, rs.getObject(1, UUID.class));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
