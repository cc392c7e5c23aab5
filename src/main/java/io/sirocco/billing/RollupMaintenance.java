package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import io.quarkus.narayana.jta.runtime.TransactionConfiguration;

import java.sql.Connection;
import java.sql.SQLException;

/** Rebuilds the hourly rollups from the ledger in one transaction (after a bulk import or for benchmarks). */
@ApplicationScoped
public class RollupMaintenance {
    @Inject
    AgroalDataSource db;

    @Transactional
    @TransactionConfiguration(timeout = 3600) // a full rebuild of a large ledger outlasts the 60 s default
    public void rebuild() {
        try (Connection c = db.getConnection()) {
            Rollups.rebuild(c);
        } catch (SQLException e) {
            throw new IllegalStateException("could not rebuild rollups", e);
        }
    }
}
