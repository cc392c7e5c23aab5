package io.sirocco.accounts;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** API-key storage and lookup. Keys are stored as SHA-256 hashes; the API path never calls Keycloak. */
@ApplicationScoped
public class ApiKeys {

    private static final String LOOKUP = """
            select k.id, k.org_id, k.name,
                   coalesce(k.allowed_models, o.allowed_models) as allowed_models,
                   coalesce(k.rpm_limit, o.rpm_limit) as rpm, coalesce(k.tpm_limit, o.tpm_limit) as tpm
            from api_keys k join organizations o on o.id = k.org_id
            where k.key_hash = ? and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())
            """;

    @Inject
    AgroalDataSource db;

    /** The principal for a presented key, or empty when it is unknown, revoked or expired. */
    public Optional<KeyPrincipal> authenticate(String presented) {
        if (!KeySecrets.looksLikeKey(presented)) {
            return Optional.empty();
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(LOOKUP)) {
            ps.setString(1, KeySecrets.hash(presented));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Array models = rs.getArray("allowed_models");
                Set<String> allowed = models == null ? Set.of() : Set.of((String[]) models.getArray());
                return Optional.of(new KeyPrincipal(rs.getObject("id", UUID.class), rs.getObject("org_id", UUID.class),
                        rs.getString("name"), allowed, rs.getInt("rpm"), rs.getInt("tpm")));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("API key lookup failed", e);
        }
    }

    /** Stores a new key for an org and returns its secret, which is never stored. */
    public CreatedKey create(UUID orgId, String name, Instant expiresAt, Collection<String> allowedModels) {
        String secret = KeySecrets.newSecret();
        UUID id = UUID.randomUUID();
        String sql = "insert into api_keys (id, org_id, name, key_prefix, key_hash, expires_at, allowed_models) values (?,?,?,?,?,?,?)";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            ps.setObject(2, orgId);
            ps.setString(3, name);
            ps.setString(4, KeySecrets.displayPrefix(secret));
            ps.setString(5, KeySecrets.hash(secret));
            ps.setTimestamp(6, expiresAt == null ? null : Timestamp.from(expiresAt));
            ps.setArray(7, allowedModels == null || allowedModels.isEmpty() ? null
                    : c.createArrayOf("text", allowedModels.toArray()));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not store API key", e);
        }
        return new CreatedKey(id, KeySecrets.displayPrefix(secret), secret);
    }
}
