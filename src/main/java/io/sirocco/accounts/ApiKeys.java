package io.sirocco.accounts;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * API-key storage, lookup and lifecycle. Keys are stored as SHA-256 hashes; the API path never calls Keycloak.
 * <p>
 * {@link #authenticate} caches lookups (by hash, never by key) for at most {@code sirocco.accounts.key-cache-ttl}
 * (default 500 ms), so a revocation reaches every node within that time without any cross-node messaging; a
 * revocation on this node forgets the key here at once. One lookup per key at a time: the requests of a burst that
 * find the entry stale wait for the one lookup in flight instead of each taking a pooled connection.
 * {@code last_used_at} is written at most once per {@code sirocco.accounts.key-last-used-interval} per key and node,
 * off the request thread.
 */
@ApplicationScoped
public class ApiKeys {

    private static final Logger LOG = Logger.getLogger(ApiKeys.class);
    private static final int CACHE_MAX = 100_000;
    private static final String PRINCIPAL = """
            select k.id, k.org_id, k.name, k.expires_at, o.plan,
                   coalesce(k.allowed_models, o.allowed_models) as allowed_models,
                   coalesce(k.rpm_limit, o.rpm_limit) as rpm, coalesce(k.tpm_limit, o.tpm_limit) as tpm
            from api_keys k join organizations o on o.id = k.org_id
            where k.revoked_at is null and (k.expires_at is null or k.expires_at > now())""";
    private static final String LOOKUP = PRINCIPAL + " and k.key_hash = ?";
    private static final String PLAYGROUND = PRINCIPAL + " and k.org_id = ? and k.playground_for = ?";
    private static final String VIEW_COLUMNS = """
            select id, org_id, name, key_prefix, allowed_models, created_at, last_used_at, expires_at, revoked_at,
                   rotated_to, created_by, owner_user_id from api_keys""";

    @Inject
    AgroalDataSource db;
    @ConfigProperty(name = "sirocco.accounts.key-cache-ttl", defaultValue = "500ms")
    Duration cacheTtl;
    @ConfigProperty(name = "sirocco.accounts.key-last-used-interval", defaultValue = "60s")
    Duration lastUsedInterval;

    private record Cached(Optional<KeyPrincipal> principal, Instant keyExpiresAt, long loadedNanos) {
    }

    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Cached>> loading = new ConcurrentHashMap<>();
    private final Map<UUID, Long> lastUsedWrites = new ConcurrentHashMap<>();
    /** Bumped by every {@link #evict}: a lookup that began before one is answered but not cached. */
    private final AtomicLong evictions = new AtomicLong();

    /** The principal for a presented key, or empty when it is unknown, revoked or expired. */
    public Optional<KeyPrincipal> authenticate(String presented) {
        if (!KeySecrets.looksLikeKey(presented)) {
            return Optional.empty();
        }
        String hash = KeySecrets.hash(presented);
        long now = System.nanoTime();
        Cached hit = cache.get(hash);
        if (hit == null || now - hit.loadedNanos() > cacheTtl.toNanos()
                || hit.keyExpiresAt() != null && !hit.keyExpiresAt().isAfter(Instant.now())) {
            hit = loadOnce(hash);
        }
        hit.principal().ifPresent(p -> touch(p.keyId(), now));
        return hit.principal();
    }

    /** Looks the hash up, or waits for the lookup of it already in flight on this node and shares its answer. */
    private Cached loadOnce(String hash) {
        CompletableFuture<Cached> mine = new CompletableFuture<>();
        CompletableFuture<Cached> running = loading.putIfAbsent(hash, mine);
        if (running != null) {
            try {
                return running.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        try {
            long evictionsBefore = evictions.get();
            Cached loaded = load(hash, System.nanoTime());
            if (cache.size() >= CACHE_MAX) {
                cache.clear();
            }
            if (evictions.get() == evictionsBefore) {
                cache.put(hash, loaded);
            }
            mine.complete(loaded);
            return loaded;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            loading.remove(hash, mine);
        }
    }

    private Cached load(String hash, long now) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(LOOKUP)) {
            ps.setString(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new Cached(Optional.empty(), null, now);
                }
                Timestamp expires = rs.getTimestamp("expires_at");
                return new Cached(Optional.of(principal(rs)), expires == null ? null : expires.toInstant(), now);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("API key lookup failed", e);
        }
    }

    /**
     * The principal of a valid key by its id, read now (no cache): for work a key started earlier and that goes on
     * without it, such as a batch job's lines. Empty when the key is unknown, revoked or expired.
     */
    public Optional<KeyPrincipal> principal(UUID keyId) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(PRINCIPAL + " and k.id = ?")) {
            ps.setObject(1, keyId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(principal(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("API key lookup failed", e);
        }
    }

    private static KeyPrincipal principal(ResultSet rs) throws SQLException {
        Array models = rs.getArray("allowed_models");
        Set<String> allowed = models == null ? Set.of() : Set.of((String[]) models.getArray());
        return new KeyPrincipal(rs.getObject("id", UUID.class), rs.getObject("org_id", UUID.class),
                rs.getString("name"), allowed, rs.getInt("rpm"), rs.getInt("tpm"), rs.getString("plan"));
    }

    /**
     * The member's playground key in the org, made on first use (named "Playground (actor)"): the console's
     * session-authenticated playground calls the API as this key, so its calls are billed, rate-limited and capped
     * like any key's. Its secret is drawn and discarded; it never leaves this method. A revoked or expired one is
     * replaced by a new one at the next use.
     */
    public KeyPrincipal playground(UUID orgId, String userId, String actor) {
        try (Connection c = db.getConnection()) {
            Optional<KeyPrincipal> found = playgroundKey(c, orgId, userId);
            if (found.isPresent()) {
                return found.get();
            }
            try (PreparedStatement ps = c.prepareStatement("update api_keys set revoked_at = now() where org_id = ?"
                    + " and playground_for = ? and revoked_at is null and expires_at <= now()")) {
                ps.setObject(1, orgId);
                ps.setString(2, userId);
                ps.executeUpdate();
            }
            String name = "Playground (" + (actor.length() > 160 ? actor.substring(0, 160) : actor) + ")";
            String secret = KeySecrets.newSecret();
            try (PreparedStatement ps = c.prepareStatement("insert into api_keys (id, org_id, name, key_prefix, key_hash,"
                    + " created_by, playground_for, owner_user_id) values (?,?,?,?,?,?,?,?) on conflict do nothing")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setObject(2, orgId);
                ps.setString(3, name);
                ps.setString(4, KeySecrets.displayPrefix(secret));
                ps.setString(5, KeySecrets.hash(secret));
                ps.setString(6, actor);
                ps.setString(7, userId);
                ps.setString(8, userId);
                ps.executeUpdate();
            }
            return playgroundKey(c, orgId, userId)
                    .orElseThrow(() -> new IllegalStateException("the playground key was not stored"));
        } catch (SQLException e) {
            throw new IllegalStateException("could not read or make the playground key", e);
        }
    }

    private static Optional<KeyPrincipal> playgroundKey(Connection c, UUID orgId, String userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PLAYGROUND)) {
            ps.setObject(1, orgId);
            ps.setString(2, userId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(principal(rs)) : Optional.empty();
            }
        }
    }

    /** Records use at most once per interval per key on this node, on a virtual thread. */
    private void touch(UUID keyId, long now) {
        Long last = lastUsedWrites.get(keyId);
        if (last != null && now - last < lastUsedInterval.toNanos()) {
            return;
        }
        if (last == null ? lastUsedWrites.putIfAbsent(keyId, now) != null : !lastUsedWrites.replace(keyId, last, now)) {
            return; // another request on this node is writing it
        }
        Thread.ofVirtual().name("key-last-used").start(() -> {
            String sql = "update api_keys set last_used_at = now() where id = ?"
                    + " and (last_used_at is null or last_used_at < now() - make_interval(secs => ?))";
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setObject(1, keyId);
                ps.setDouble(2, lastUsedInterval.toMillis() / 1000.0);
                ps.executeUpdate();
            } catch (SQLException e) {
                LOG.warnf("could not record last use of key %s: %s", keyId, e.getMessage());
            }
        });
    }

    /** Forgets cached lookups on this node (other nodes follow within the cache TTL). */
    void evict(String keyHash) {
        evictions.incrementAndGet();
        loading.remove(keyHash); // later requests look it up afresh rather than wait for a lookup from before
        cache.remove(keyHash);
    }

    /** Stores a new key for an org and returns its secret, which is never stored. */
    public CreatedKey create(UUID orgId, String name, Instant expiresAt, Collection<String> allowedModels) {
        return create(orgId, name, expiresAt, allowedModels, null);
    }

    /** As {@link #create(UUID, String, Instant, Collection)}, remembering who created it. */
    public CreatedKey create(UUID orgId, String name, Instant expiresAt, Collection<String> allowedModels,
                             String createdBy) {
        return create(orgId, name, expiresAt, allowedModels, createdBy, null);
    }

    /**
     * As above, with the member answerable for the key ({@code ownerUserId}, a Keycloak user id): removing that member
     * from the org revokes the key unless it is transferred.
     */
    public CreatedKey create(UUID orgId, String name, Instant expiresAt, Collection<String> allowedModels,
                             String createdBy, String ownerUserId) {
        try (Connection c = db.getConnection()) {
            return insert(c, orgId, name, expiresAt, allowedModels, createdBy, ownerUserId);
        } catch (SQLException e) {
            throw new IllegalStateException("could not store API key", e);
        }
    }

    private CreatedKey insert(Connection c, UUID orgId, String name, Instant expiresAt,
                              Collection<String> allowedModels, String createdBy, String ownerUserId)
            throws SQLException {
        String secret = KeySecrets.newSecret();
        UUID id = UUID.randomUUID();
        String sql = "insert into api_keys (id, org_id, name, key_prefix, key_hash, expires_at, allowed_models,"
                + " created_by, owner_user_id) values (?,?,?,?,?,?,?,?,?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            ps.setObject(2, orgId);
            ps.setString(3, name);
            ps.setString(4, KeySecrets.displayPrefix(secret));
            ps.setString(5, KeySecrets.hash(secret));
            ps.setTimestamp(6, expiresAt == null ? null : Timestamp.from(expiresAt));
            ps.setArray(7, allowedModels == null || allowedModels.isEmpty() ? null
                    : c.createArrayOf("text", allowedModels.toArray()));
            ps.setString(8, createdBy);
            ps.setString(9, ownerUserId);
            ps.executeUpdate();
        }
        return new CreatedKey(id, KeySecrets.displayPrefix(secret), secret);
    }

    /** The org's keys, newest first. */
    public List<KeyView> list(UUID orgId) {
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement(VIEW_COLUMNS + " where org_id = ? order by created_at desc, id")) {
            ps.setObject(1, orgId);
            List<KeyView> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(view(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("could not list API keys", e);
        }
    }

    /** One key of the org; empty when it does not exist or belongs to another org. */
    public Optional<KeyView> find(UUID orgId, UUID keyId) {
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement(VIEW_COLUMNS + " where org_id = ? and id = ?")) {
            ps.setObject(1, orgId);
            ps.setObject(2, keyId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(view(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read API key", e);
        }
    }

    /** Revokes the org's key now. False when it is not the org's key or was already revoked. */
    public boolean revoke(UUID orgId, UUID keyId) {
        String sql = "update api_keys set revoked_at = now() where org_id = ? and id = ? and revoked_at is null"
                + " returning key_hash";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, orgId);
            ps.setObject(2, keyId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                evict(rs.getString(1));
                return true;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not revoke API key", e);
        }
    }

    /**
     * Revokes, now, every unrevoked key of the org that this member answers for, and their playground key (joins the
     * caller's transaction); returns their prefixes. This node forgets them at once; other nodes within the key-cache
     * TTL.
     */
    public List<String> revokeOwnedBy(UUID orgId, String userId) {
        String sql = "update api_keys set revoked_at = now() where org_id = ? and (owner_user_id = ? or playground_for = ?)"
                + " and revoked_at is null returning key_hash, key_prefix";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, orgId);
            ps.setString(2, userId);
            ps.setString(3, userId);
            List<String> prefixes = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    evict(rs.getString(1));
                    prefixes.add(rs.getString(2));
                }
            }
            return prefixes;
        } catch (SQLException e) {
            throw new IllegalStateException("could not revoke the member's keys", e);
        }
    }

    /**
     * Makes another member answerable for every unrevoked key this member answers for, except their playground key
     * (it is theirs alone); returns how many.
     */
    public int transferOwned(UUID orgId, String fromUserId, String toUserId) {
        String sql = "update api_keys set owner_user_id = ? where org_id = ? and owner_user_id = ? and revoked_at is null"
                + " and playground_for is null";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, toUserId);
            ps.setObject(2, orgId);
            ps.setString(3, fromUserId);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not transfer the member's keys", e);
        }
    }

    /**
     * Replaces a usable key by a new one with the same name, expiry and allow-list. The old key is revoked at
     * once when {@code grace} is zero, else it stays valid until now + grace (or its own earlier expiry).
     * Empty when the key is not the org's or is no longer usable.
     */
    @Transactional
    public Optional<CreatedKey> rotate(UUID orgId, UUID keyId, Duration grace, String actor) {
        Optional<KeyView> old = find(orgId, keyId).filter(KeyView::usable).filter(k -> k.rotatedTo() == null);
        if (old.isEmpty()) {
            return Optional.empty();
        }
        KeyView k = old.get();
        try (Connection c = db.getConnection()) {
            CreatedKey created = insert(c, orgId, k.name(), k.expiresAt(), k.allowedModels(), actor, k.ownerUserId());
            String sql = grace.isZero()
                    ? "update api_keys set rotated_to = ?, revoked_at = now() where org_id = ? and id = ? and rotated_to is null returning key_hash"
                    : "update api_keys set rotated_to = ?, expires_at = least(coalesce(expires_at, 'infinity'), now() + make_interval(secs => ?))"
                    + " where org_id = ? and id = ? and rotated_to is null returning key_hash";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                ps.setObject(i++, created.keyId());
                if (!grace.isZero()) {
                    ps.setDouble(i++, grace.toSeconds());
                }
                ps.setObject(i++, orgId);
                ps.setObject(i, keyId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        evict(rs.getString(1));
                    }
                }
            }
            return Optional.of(created);
        } catch (SQLException e) {
            throw new IllegalStateException("could not rotate API key", e);
        }
    }

    private static KeyView view(ResultSet rs) throws SQLException {
        Array models = rs.getArray("allowed_models");
        return new KeyView(rs.getObject("id", UUID.class), rs.getObject("org_id", UUID.class), rs.getString("name"),
                rs.getString("key_prefix"), models == null ? List.of() : List.of((String[]) models.getArray()),
                instant(rs, "created_at"), instant(rs, "last_used_at"), instant(rs, "expires_at"),
                instant(rs, "revoked_at"), rs.getObject("rotated_to", UUID.class), rs.getString("created_by"),
                rs.getString("owner_user_id"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
