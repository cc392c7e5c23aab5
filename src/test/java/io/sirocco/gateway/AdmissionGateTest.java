package io.sirocco.gateway;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link AdmissionGate}: a bounded number inside, a bounded number waiting, everyone else refused at once. */
class AdmissionGateTest {

    @Test
    void beyondTheWaitingRoomRequestsAreRefusedAtOnceWithA503AndRetryAfter() throws Exception {
        AdmissionGate gate = new AdmissionGate(2, 3, Duration.ofSeconds(30));
        AdmissionGate.Pass a = gate.enter();
        AdmissionGate.Pass b = gate.enter();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<AdmissionGate.Pass>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(pool.submit(gate::enter));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (gate.waiting() < 3) {
            assertTrue(System.nanoTime() < deadline, "three should wait");
            Thread.sleep(5);
        }
        long start = System.nanoTime();
        ApiError refused = assertThrows(ApiError.class, gate::enter);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(503, refused.status());
        assertEquals("overloaded", refused.code());
        assertTrue(refused.retryAfterSeconds() != null && refused.retryAfterSeconds() >= 1);
        assertTrue(ms < 1_000, "refused at once, not after the wait: " + ms + " ms");

        // Places freed let the waiting ones in, in turn.
        a.close();
        AdmissionGate.Pass first = waiters.getFirst().get(10, TimeUnit.SECONDS);
        b.close();
        b.close(); // closing twice releases once
        waiters.get(1).get(10, TimeUnit.SECONDS);
        assertEquals(1, gate.waiting(), "one place for two holders: the third still waits");
        first.close();
        first.close();
        waiters.get(2).get(10, TimeUnit.SECONDS);
        pool.shutdown();
    }

    @Test
    void aWaitingRequestGivesUpAfterTheWaitTime() throws Exception {
        AdmissionGate gate = new AdmissionGate(1, 10, Duration.ofMillis(300));
        try (AdmissionGate.Pass held = gate.enter()) {
            long start = System.nanoTime();
            ApiError refused = assertThrows(ApiError.class, gate::enter);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(503, refused.status());
            assertTrue(ms >= 250 && ms < 5_000, "waited " + ms + " ms");
            assertEquals(0, gate.waiting());
        }
        CountDownLatch entered = new CountDownLatch(1);
        Thread.ofVirtual().start(() -> {
            try (AdmissionGate.Pass p = gate.enter()) {
                entered.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(entered.await(5, TimeUnit.SECONDS), "free again once the holder left");
    }
}
