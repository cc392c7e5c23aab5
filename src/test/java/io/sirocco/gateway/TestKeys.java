package io.sirocco.gateway;

import io.agroal.api.AgroalDataSource;
import io.sirocco.accounts.ApiKeys;
import io.sirocco.accounts.CreatedKey;
import io.sirocco.accounts.KeyFixtures;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;

/** Makes a fresh organization and key per test, in the real database, through the accounts API ({@link KeyFixtures}). */
@ApplicationScoped
public class TestKeys {
    @Inject
    AgroalDataSource db;
    @Inject
    ApiKeys apiKeys;

    public record Key(UUID orgId, UUID keyId, String secret) {
        public String bearer() {
            return "Bearer " + secret;
        }
    }

    public Key create(int rpm, int tpm, List<String> allowedModels) {
        UUID org = UUID.randomUUID();
        try (Connection c = db.getConnection()) {
            KeyFixtures.insertOrganization(c, org, "test-" + org, rpm, tpm);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        CreatedKey k = apiKeys.create(org, "test", null, allowedModels);
        return new Key(org, k.keyId(), k.secret());
    }

    public Key create() {
        return create(10_000, 10_000_000, List.of());
    }

    /**
     * Rate-limit windows are fixed minutes of the database clock: a test that counts within one window waits here
     * until at least {@code seconds} of the current minute remain, so it cannot straddle two windows.
     */
    public void awaitWindowWithRoom(int seconds) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select extract(epoch from (date_trunc('minute', now()) + interval '1 minute' - now()))")) {
            try (var rs = ps.executeQuery()) {
                rs.next();
                double left = rs.getDouble(1);
                if (left < seconds) {
                    Thread.sleep((long) (left * 1000) + 200);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The ledger rows of an organization: request id → "status prompt completion cost". */
    public java.util.Map<String, String> ledger(UUID org) {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select request_id, status, prompt_tokens, completion_tokens, cost_eur from usage_ledger where org_id = ?")) {
            ps.setObject(1, org);
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2) + " " + rs.getInt(3) + " " + rs.getInt(4) + " "
                            + rs.getBigDecimal(5).stripTrailingZeros().toPlainString());
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
