package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.SQLException;

/** Rebuilds the hourly rollups from the ledger in one transaction (after a bulk import or for benchmarks). */
@ApplicationScoped
public class RollupMaintenance {
    @Inject
    AgroalDataSource db;

    public void rebuild() {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                Rollups.rebuild(c);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not rebuild rollups", e);
        }
    }
}
