package io.sirocco.accounts;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;

/**
 * A fresh organization with its own rate limits (on the organization, where an admin's plan change puts them) and an
 * API key of it made by the accounts service ({@link ApiKeys#create}): tests never write key rows themselves, so they
 * do not depend on how keys are stored.
 */
public final class KeyFixtures {
    private KeyFixtures() {
    }

    /** Inserts the organization row. */
    public static void insertOrganization(Connection c, UUID id, String name, int rpm, int tpm) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "insert into organizations (id, name, rpm_limit, tpm_limit) values (?, ?, ?, ?)")) {
            ps.setObject(1, id);
            ps.setString(2, name);
            ps.setInt(3, rpm);
            ps.setInt(4, tpm);
            ps.executeUpdate();
        }
    }

    /**
     * For a service running in another JVM (no CDI here): the organization and its key in the database at
     * {@code jdbcUrl} (user postgres), the key made by an {@link ApiKeys} on a pool of its own. Returns the secret.
     */
    public static String newKey(String jdbcUrl, String orgName, int rpm, int tpm) throws SQLException {
        AgroalDataSourceConfigurationSupplier config = new AgroalDataSourceConfigurationSupplier()
                .connectionPoolConfiguration(pool -> pool.maxSize(1).connectionFactoryConfiguration(factory -> factory
                        .jdbcUrl(jdbcUrl).principal(new NamePrincipal("postgres")).credential(new SimplePassword(""))));
        try (AgroalDataSource db = AgroalDataSource.from(config)) {
            UUID org = UUID.randomUUID();
            try (Connection c = db.getConnection()) {
                insertOrganization(c, org, orgName, rpm, tpm);
            }
            ApiKeys keys = new ApiKeys();
            keys.db = db;
            return keys.create(org, orgName, null, List.of()).secret();
        }
    }
}
