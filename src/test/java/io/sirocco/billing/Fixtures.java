package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

/** Test data written with plain SQL: orgs, keys and read-backs of billing tables. */
public final class Fixtures {
    private Fixtures() {
    }

    static UUID org(AgroalDataSource db, String name) {
        UUID id = UUID.randomUUID();
        exec(db, "insert into organizations (id, name) values (?, ?)", id, name + " " + id.toString().substring(0, 8));
        return id;
    }

    static UUID key(AgroalDataSource db, UUID orgId) {
        UUID id = UUID.randomUUID();
        exec(db, "insert into api_keys (id, org_id, name, key_prefix, key_hash) values (?,?,?,?,?)", id, orgId,
                "key " + id.toString().substring(0, 6), "sk-test", (id.toString() + id).replace("-", "").substring(0, 64));
        return id;
    }

    static void exec(AgroalDataSource db, String sql, Object... params) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static BigDecimal decimal(AgroalDataSource db, String sql, Object... params) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBigDecimal(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static long count(AgroalDataSource db, String sql, Object... params) {
        BigDecimal d = decimal(db, sql, params);
        return d == null ? 0 : d.longValueExact();
    }
}
