package io.sirocco.billing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the usage spool's replay tells a database outage (retried for as long as it lasts) from a file that will never
 * replay (corrupt, or a row the database refuses): the latter is tried {@link UsageSpool#TRIES} times, then set aside
 * in the quarantine folder with its reason and counted; nothing is deleted.
 */
class UsageSpoolTest {
    @TempDir
    Path dir;

    /** A ledger that answers what the test says. */
    static final class ScriptedLedger extends UsageLedger {
        RuntimeException failure;
        final List<String> recorded = new ArrayList<>();

        @Override
        public Recorded recordAll(UsageEvent e, Prices prices, RequestTags tags) {
            if (failure != null) {
                throw failure;
            }
            recorded.add(e.requestId());
            return new Recorded(true, List.of());
        }
    }

    private final ScriptedLedger ledger = new ScriptedLedger();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private UsageSpool spool;

    @BeforeEach
    void spool() {
        spool = new UsageSpool();
        spool.ledger = ledger;
        spool.json = new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        spool.dataDir = dir.toString();
        spool.spoolDir = Optional.of(dir.resolve("usage-spool").toString());
        spool.metrics = metrics;
        spool.gauges();
    }

    @Test
    void aCorruptFileIsSetAsideAfterItsTries() throws Exception {
        Path corrupt = Files.createDirectories(spool.directory()).resolve("req-corrupt.json");
        Files.writeString(corrupt, "{\"event\": {\"requestId\": ");
        replayTimes(UsageSpool.TRIES - 1);
        assertTrue(Files.exists(corrupt), "kept until its last try");
        spool.replay();
        assertFalse(Files.exists(corrupt));
        Path aside = spool.quarantine().resolve("req-corrupt.json");
        assertEquals("{\"event\": {\"requestId\": ", Files.readString(aside), "moved, never rewritten or dropped");
        assertTrue(Files.readString(spool.quarantine().resolve("req-corrupt.json.reason.txt")).contains("corrupt"));
        assertEquals(1, spool.quarantined());
        assertEquals(0, spool.pending());
        assertEquals(1.0, metrics.get("sirocco:usage_spool_quarantined").gauge().value());
    }

    @Test
    void aRowTheDatabaseRefusesIsSetAsideAndTheOthersStillReplay() throws Exception {
        spool.keep(event("req-refused"), prices(), RequestTags.NONE);
        ledger.failure = new IllegalStateException("could not record usage of request req-refused",
                new SQLException("insert violates foreign key constraint \"usage_ledger_org_id_fkey\"", "23503"));
        replayTimes(UsageSpool.TRIES);
        assertEquals(1, spool.quarantined());
        assertTrue(Files.readString(spool.quarantine().resolve("req-refused.json.reason.txt"))
                .contains("foreign key"));

        ledger.failure = null;
        spool.keep(event("req-fine"), prices(), RequestTags.NONE);
        spool.replay();
        assertEquals(List.of("req-fine"), ledger.recorded);
        assertEquals(0, spool.pending());
        assertEquals(1, spool.quarantined(), "the quarantined file is not replayed");
    }

    @Test
    void anOutageIsRetriedForAsLongAsItLasts() throws Exception {
        spool.keep(event("req-outage"), prices(), RequestTags.NONE);
        ledger.failure = new IllegalStateException("could not record usage of request req-outage",
                new SQLException("Connection refused", "08001"));
        replayTimes(UsageSpool.TRIES * 3);
        assertEquals(1, spool.pending(), "still waiting");
        assertEquals(0, spool.quarantined());
        assertEquals(1.0, metrics.get("sirocco:usage_spool_pending").gauge().value());

        ledger.failure = null; // the database is back
        spool.replay();
        assertEquals(List.of("req-outage"), ledger.recorded);
        assertEquals(0, spool.pending());
    }

    private void replayTimes(int n) {
        for (int i = 0; i < n; i++) {
            spool.replay();
        }
    }

    private static UsageEvent event(String requestId) {
        Instant now = Instant.parse("2026-11-29T12:00:00Z");
        return new UsageEvent(requestId, UUID.randomUUID(), UUID.randomUUID(), "mistral-tiny", 10, 5,
                UsageStatus.COMPLETED, now, now.plusSeconds(1), new BigDecimal("0.000001000"), 0);
    }

    private static Prices prices() {
        return new Prices("mistral-tiny", new BigDecimal("0.10"), new BigDecimal("0.20"));
    }
}
