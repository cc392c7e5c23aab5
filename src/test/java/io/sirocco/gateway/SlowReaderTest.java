package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.gateway.TestKeys.Key;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that stops reading its socket, beside 15 normal streams on the real engine: its sequence is paused once
 * its buffer is full (so the server holds a bounded number of its tokens), cancelled after the stall timeout and
 * billed for what it was sent, while the normal streams run to their end. Their pace is measured by
 * {@code SlowReaderBench}, not asserted here.
 */
@QuarkusTest
@TestProfile(SlowReaderProfile.class)
class SlowReaderTest extends ApiTestBase {
    static final int NORMAL = 15;
    static final int NORMAL_TOKENS = 200;
    static final int STALLED_TOKENS = 3000;

    @Inject
    GatewayMetrics metrics;

    @Test
    void aStalledClientIsPausedThenCancelledAndBilledForWhatItWasSent() throws Exception {
        Key key = keys.create();
        StreamClients clients = new StreamClients(base, key);
        AtomicLong mostBuffered = new AtomicLong();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> mostBuffered.accumulateAndGet(metrics.bufferedTokens().get(), Math::max),
                0, 5, TimeUnit.MILLISECONDS);
        try (StreamClients.Stalled stalled = clients.stall(STALLED_TOKENS)) {
            StreamClients.Pace pace = clients.normalStreams(NORMAL, NORMAL_TOKENS);
            assertEquals(NORMAL, pace.finished(), "every normal stream ran to its end");
            // cancelled on the server while the client still holds its socket open, and billed for what was sent
            await().atMost(Duration.ofSeconds(120)).until(() -> keys.ledger(key.orgId()).containsKey(stalled.requestId()));
            String[] row = keys.ledger(key.orgId()).get(stalled.requestId()).split(" ");
            assertEquals("aborted", row[0]);
            int billed = Integer.parseInt(row[2]);
            assertTrue(billed > 0 && billed < STALLED_TOKENS / 2, "billed " + billed + " of " + STALLED_TOKENS);
            TierQueue q = registry.get("mistral-tiny").orElseThrow().queue();
            await().atMost(Duration.ofSeconds(10)).until(() -> q.running() == 0);
            // the server never held more than each stream's buffer (plus a token in flight per stream)
            long bound = (NORMAL + 1L) * (SlowReaderProfile.BUFFER_TOKENS + 1);
            assertTrue(mostBuffered.get() <= bound, "held " + mostBuffered.get() + " tokens at most, bound " + bound);
            await().atMost(Duration.ofSeconds(10)).until(() -> metrics.bufferedTokens().get() == 0);
        } finally {
            sampler.shutdownNow();
        }
    }

    @Test
    void aClientThatLeavesWhilePausedCancelsItsSequence() throws Exception {
        Key key = keys.create();
        StreamClients.Stalled stalled = new StreamClients(base, key).stall(STALLED_TOKENS);
        TierQueue q = registry.get("mistral-tiny").orElseThrow().queue();
        // paused: its buffer is full and nothing more is generated for it
        await().atMost(Duration.ofSeconds(60)).until(() -> metrics.bufferedTokens().get() >= SlowReaderProfile.BUFFER_TOKENS);
        stalled.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> keys.ledger(key.orgId()).containsKey(stalled.requestId()));
        assertEquals("aborted", keys.ledger(key.orgId()).get(stalled.requestId()).split(" ")[0]);
        await().atMost(Duration.ofSeconds(10)).until(() -> q.running() == 0 && metrics.bufferedTokens().get() == 0);
    }
}
