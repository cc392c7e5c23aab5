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
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-key requests-per-minute and tokens-per-minute limits over fixed one-minute windows of the database
 * clock. Counters live in PostgreSQL (one upsert per request) so they hold across gateway replicas.
 * <p>
 * Each gateway also remembers, per key, what the database last said of the current window ({@link Window}), so a
 * key far over its limit gets its 429 without a database step: once the window is spent (a refusal, or a count at
 * its limit) every further request of it is refused here until the window ends, and while requests are on their way
 * to the database no more are sent than could still fit. The database stays the one count across gateways: it
 * decides every request this gateway lets through. One request per key learns a new window from the database while
 * the others of a burst wait for its answer. What this can cost: a request refused here while others were on their
 * way, if one of those then fails (it would have fitted), and a limit raised in the middle of a minute applies from
 * the next minute on a gateway that already found this one spent.
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

    /** The longest a request waits for another's look at a new window before asking the database itself. */
    private static final long LEARN_WAIT_MILLIS = 5_000;

    @Inject
    AgroalDataSource db;

    /**
     * A key's current window as this gateway knows it. {@code endNanos} is when the database's window ends at the
     * earliest (the time the request was sent plus the seconds it said were left), so nothing here outlives it.
     */
    private static final class Window {
        final long endNanos;
        /** The database's request count as last seen, plus the requests on their way to it from here. */
        final AtomicInteger claims;
        volatile long tokensUsed;
        volatile boolean requestsSpent;
        volatile boolean tokensSpent;

        Window(long endNanos, State s) {
            this.endNanos = endNanos;
            this.claims = new AtomicInteger(s.requestsUsed());
            observe(s);
        }

        void observe(State s) {
            claims.accumulateAndGet(s.requestsUsed(), Math::max);
            tokensUsed = Math.max(tokensUsed, s.tokensUsed());
            if (s.requestsUsed() >= s.requestLimit() || !s.allowed() && s.tokensUsed() < s.tokenLimit()) {
                requestsSpent = true;
            }
            if (s.tokensUsed() >= s.tokenLimit()) {
                tokensSpent = true;
            }
        }

        /** Takes one of the window's requests unless none can be left. */
        boolean claim(int limit) {
            for (int c = claims.get(); c < limit; c = claims.get()) {
                if (claims.compareAndSet(c, c + 1)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * A refusal made here, without a database step. Refused for its requests, the window shows none left (at
         * least the limit used); refused for its tokens, it shows the requests as counted.
         */
        State refusal(KeyPrincipal key, long now, AtomicLong refusedHere) {
            refusedHere.incrementAndGet();
            int requestsUsed = tokensSpent ? claims.get() : Math.max(claims.get(), key.rpmLimit());
            return new State(key.rpmLimit(), requestsUsed, key.tpmLimit(), tokensUsed,
                    Math.max(0, endNanos - now) / 1e9, false);
        }
    }

    private final Map<UUID, Window> windows = new ConcurrentHashMap<>();
    private final Map<UUID, CompletableFuture<Void>> learning = new ConcurrentHashMap<>();
    private final AtomicLong refusedHere = new AtomicLong();

    /** Requests refused by this gateway without a database step since it started. */
    long refusedWithoutDatabase() {
        return refusedHere.get();
    }

    /** Counts one request with {@code promptTokens}; {@link State#allowed()} is false when over a limit. */
    public State admit(KeyPrincipal key, int promptTokens) {
        Window w = current(key.keyId(), System.nanoTime());
        if (w == null) {
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> running = learning.putIfAbsent(key.keyId(), mine);
            if (running == null) {
                try {
                    return countAndLearn(ADMIT, key, promptTokens, key.rpmLimit());
                } finally {
                    learning.remove(key.keyId(), mine);
                    mine.complete(null);
                }
            }
            awaitLearning(running);
            w = current(key.keyId(), System.nanoTime());
            if (w == null) { // that look failed or came too late: ask for this request alone
                return countAndLearn(ADMIT, key, promptTokens, key.rpmLimit());
            }
        }
        if (w.requestsSpent || w.tokensSpent || !w.claim(key.rpmLimit())) {
            return w.refusal(key, System.nanoTime(), refusedHere);
        }
        boolean counted = false;
        try {
            State s = countAndLearn(ADMIT, key, promptTokens, key.rpmLimit());
            counted = s.allowed();
            return s;
        } finally {
            if (!counted) {
                w.claims.decrementAndGet(); // refused or failed: the database did not count it
            }
        }
    }

    /** Counts the prompt tokens of a request {@link #admit admitted} before; not allowed when the tokens are spent. */
    public State admitTokens(KeyPrincipal key, int promptTokens) {
        long now = System.nanoTime();
        Window w = current(key.keyId(), now);
        if (w != null && w.tokensSpent) {
            return w.refusal(key, now, refusedHere);
        }
        return countAndLearn(ADMIT_TOKENS, key, promptTokens, null);
    }

    private Window current(UUID keyId, long now) {
        Window w = windows.get(keyId);
        return w != null && now < w.endNanos ? w : null;
    }

    private static void awaitLearning(CompletableFuture<Void> running) {
        try {
            running.get(LEARN_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // ask the database directly
        }
    }

    /** Asks the database, then remembers what it said of the key's window. */
    private State countAndLearn(String sql, KeyPrincipal key, int promptTokens, Integer rpm) {
        long sent = System.nanoTime();
        State s = count(sql, key, promptTokens, rpm);
        long end = sent + (long) (s.resetSeconds() * 1e9);
        windows.compute(key.keyId(), (id, w) -> {
            if (w == null || end > w.endNanos + TimeUnit.SECONDS.toNanos(30)) { // none yet, or the next minute's
                return new Window(end, s);
            }
            w.observe(s);
            return w;
        });
        return s;
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
        long now = System.nanoTime();
        windows.values().removeIf(w -> now >= w.endNanos);
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "delete from rate_limit_windows where window_start < now() - interval '1 hour'")) {
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("rate-limit purge failed", e);
        }
    }
}
