package io.sirocco.gateway;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.accounts.ApiKeys;
import io.sirocco.accounts.KeyPrincipal;
import io.sirocco.gateway.TestKeys.Key;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-gateway memory in front of the database's rate-limit counts: a burst far over a key's limit gets exactly
 * the limit through (the database decides each of those) and every other request is refused without a database step;
 * a count raised by another gateway is still honoured, because the database decides every request let through.
 */
@QuarkusTest
@TestProfile(ApiProfile.class)
class RateLimitsTest extends ApiTestBase {
    @Inject
    RateLimits rateLimits;
    @Inject
    ApiKeys apiKeys;
    @Inject
    AgroalDataSource db;

    @Test
    void aBurstFarOverTheLimitGetsExactlyTheLimitAndTheRestIsRefusedWithoutTheDatabase() throws Exception {
        Key key = keys.create(10, 10_000_000, List.of());
        KeyPrincipal p = apiKeys.authenticate(key.secret()).orElseThrow();
        keys.awaitWindowWithRoom(20);
        long refusedBefore = rateLimits.refusedWithoutDatabase();
        List<Future<RateLimits.State>> all = new ArrayList<>();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                all.add(threads.submit(() -> rateLimits.admit(p, 0)));
            }
        }
        int allowed = 0;
        for (Future<RateLimits.State> f : all) {
            RateLimits.State s = f.get();
            if (s.allowed()) {
                allowed++;
            } else {
                assertTrue(s.requestsUsed() >= s.requestLimit(), "a request refusal: " + s);
                assertTrue(s.retryAfterSeconds() >= 1);
            }
        }
        assertEquals(10, allowed);
        assertEquals(10, requestsCounted(key));
        assertTrue(rateLimits.refusedWithoutDatabase() - refusedBefore >= 180,
                "refused here: " + (rateLimits.refusedWithoutDatabase() - refusedBefore));
    }

    @Test
    void anotherGatewaysCountStillDecides() throws Exception {
        Key key = keys.create(5, 10_000_000, List.of());
        KeyPrincipal p = apiKeys.authenticate(key.secret()).orElseThrow();
        keys.awaitWindowWithRoom(20);
        assertTrue(rateLimits.admit(p, 0).allowed());
        exec("update rate_limit_windows set requests = 5 where key_id = ?", key); // another gateway's four
        long refusedBefore = rateLimits.refusedWithoutDatabase();
        RateLimits.State byDatabase = rateLimits.admit(p, 0);
        assertFalse(byDatabase.allowed());
        assertEquals(refusedBefore, rateLimits.refusedWithoutDatabase(), "the database refused it");
        assertFalse(rateLimits.admit(p, 0).allowed());
        assertEquals(refusedBefore + 1, rateLimits.refusedWithoutDatabase(), "and this gateway remembers");
    }

    @Test
    void spentTokensAreRefusedHereAsTokens() {
        Key key = keys.create(100, 5, List.of());
        KeyPrincipal p = apiKeys.authenticate(key.secret()).orElseThrow();
        keys.awaitWindowWithRoom(20);
        assertTrue(rateLimits.admit(p, 0).allowed());
        assertTrue(rateLimits.admitTokens(p, 10).allowed(), "the first prompt fits what was left");
        long refusedBefore = rateLimits.refusedWithoutDatabase();
        RateLimits.State s = rateLimits.admit(p, 0);
        assertFalse(s.allowed());
        assertTrue(s.requestsUsed() < s.requestLimit(), "refused for its tokens, not its requests: " + s);
        assertEquals(0, s.remainingTokens());
        assertFalse(rateLimits.admitTokens(p, 1).allowed());
        assertEquals(refusedBefore + 2, rateLimits.refusedWithoutDatabase());
    }

    private int requestsCounted(Key key) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select coalesce(sum(requests), 0) from rate_limit_windows where key_id = ?"
                        + " and window_start = date_trunc('minute', now())")) {
            ps.setObject(1, key.keyId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private void exec(String sql, Key key) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, key.keyId());
            ps.executeUpdate();
        }
    }
}
