package io.sirocco.gateway;

import io.agroal.api.AgroalDataSource;
import io.quarkus.scheduler.Scheduled;
import io.sirocco.accounts.KeyPrincipal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Per-key requests-per-minute and tokens-per-minute limits over fixed one-minute windows of the database
 * clock. Counters live in PostgreSQL (one upsert per request) so they hold across gateway replicas.
 */
@ApplicationScoped
public class RateLimits {

    /** Where a key stands in the current window; becomes the {@code x-ratelimit-*} headers. */
    public record State(int requestLimit, int requestsUsed, int tokenLimit, long tokensUsed, double resetSeconds,
                        boolean allowed) {
        public long remainingRequests() {
            return Math.max(0, requestLimit - requestsUsed);
        }

        public long remainingTokens() {
            return Math.max(0, tokenLimit - tokensUsed);
        }

        public long retryAfterSeconds() {
            return Math.max(1, (long) Math.ceil(resetSeconds));
        }
    }

    /** Counts the request and its prompt tokens unless the window is already spent. */
    private static final String ADMIT = """
            insert into rate_limit_windows as w (key_id, window_start, requests, tokens)
            values (?, date_trunc('minute', now()), 1, ?)
            on conflict (key_id, window_start) do update
                set requests = w.requests + 1, tokens = w.tokens + excluded.tokens
                where w.requests < ? and w.tokens < ?
            returning requests, tokens, extract(epoch from (window_start + interval '1 minute' - now()))
            """;
    /** Counts prompt tokens of a request already counted, unless the window's tokens are already spent. */
    private static final String ADMIT_TOKENS = """
            insert into rate_limit_windows as w (key_id, window_start, requests, tokens)
            values (?, date_trunc('minute', now()), 0, ?)
            on conflict (key_id, window_start) do update
                set tokens = w.tokens + excluded.tokens
                where w.tokens < ?
            returning requests, tokens, extract(epoch from (window_start + interval '1 minute' - now()))
            """;
    private static final String CURRENT = """
            select coalesce(max(requests), 0), coalesce(max(tokens), 0),
                   extract(epoch from (date_trunc('minute', now()) + interval '1 minute' - now()))
            from rate_limit_windows where key_id = ? and window_start = date_trunc('minute', now())
            """;
    private static final String ADD_TOKENS = """
            insert into rate_limit_windows as w (key_id, window_start, requests, tokens)
            values (?, date_trunc('minute', now()), 0, ?)
            on conflict (key_id, window_start) do update set tokens = w.tokens + excluded.tokens
            """;

    @Inject
    AgroalDataSource db;

    /** Counts one request with {@code promptTokens}; {@link State#allowed()} is false when over a limit. */
    public State admit(KeyPrincipal key, int promptTokens) {
        return count(ADMIT, key, promptTokens, key.rpmLimit());
    }

    /** Counts the prompt tokens of a request {@link #admit admitted} before; not allowed when the tokens are spent. */
    public State admitTokens(KeyPrincipal key, int promptTokens) {
        return count(ADMIT_TOKENS, key, promptTokens, null);
    }

    private State count(String sql, KeyPrincipal key, int promptTokens, Integer rpm) {
        try (Connection c = db.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                ps.setObject(i++, key.keyId());
                ps.setLong(i++, promptTokens);
                if (rpm != null) {
                    ps.setInt(i++, rpm);
                }
                ps.setLong(i, key.tpmLimit());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return new State(key.rpmLimit(), rs.getInt(1), key.tpmLimit(), rs.getLong(2),
                                rs.getDouble(3), true);
                    }
                }
            }
            return current(c, key, false);
        } catch (SQLException e) {
            throw new IllegalStateException("rate-limit update failed", e);
        }
    }

    /** Adds generated tokens to the key's current window. */
    public void addTokens(KeyPrincipal key, int tokens) {
        if (tokens <= 0) {
            return;
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(ADD_TOKENS)) {
            ps.setObject(1, key.keyId());
            ps.setLong(2, tokens);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("rate-limit update failed", e);
        }
    }

    private State current(Connection c, KeyPrincipal key, boolean allowed) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CURRENT)) {
            ps.setObject(1, key.keyId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new State(key.rpmLimit(), rs.getInt(1), key.tpmLimit(), rs.getLong(2), rs.getDouble(3), allowed);
            }
        }
    }

    /** Old windows are useless after their minute; keep an hour for inspection. */
    @Scheduled(every = "10m", delayed = "1m")
    void purge() {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "delete from rate_limit_windows where window_start < now() - interval '1 hour'")) {
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("rate-limit purge failed", e);
        }
    }
}
