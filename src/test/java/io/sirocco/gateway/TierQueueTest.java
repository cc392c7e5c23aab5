package io.sirocco.gateway;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CancellationException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fair queue alone: bounded, round-robin across organizations, timeouts and abandonment free their place. */
class TierQueueTest {
    final UUID heavy = UUID.randomUUID();
    final UUID light = UUID.randomUUID();

    @Test
    void grantsRoundRobinAcrossOrganizations() {
        TierQueue q = new TierQueue(1, 10);
        TierQueue.Ticket first = q.enqueue(heavy);
        assertTrue(first.granted.isDone());
        List<TierQueue.Ticket> heavyWaiting = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            heavyWaiting.add(q.enqueue(heavy));
        }
        TierQueue.Ticket lightOne = q.enqueue(light);
        assertEquals(6, q.waiting());
        first.close();
        assertTrue(heavyWaiting.get(0).granted.isDone());
        heavyWaiting.get(0).close();
        // the light org's one request goes next, ahead of the heavy org's 4 remaining
        assertTrue(lightOne.granted.isDone());
        assertFalse(heavyWaiting.get(1).granted.isDone());
        lightOne.close();
        assertTrue(heavyWaiting.get(1).granted.isDone());
    }

    @Test
    void isBoundedAndFreesPlacesOnTimeoutAndAbandon() throws Exception {
        TierQueue q = new TierQueue(1, 2);
        TierQueue.Ticket running = q.enqueue(heavy);
        TierQueue.Ticket w1 = q.enqueue(heavy);
        TierQueue.Ticket w2 = q.enqueue(light);
        assertThrows(TierQueue.FullException.class, () -> q.enqueue(light));
        assertFalse(q.await(w1, Duration.ofMillis(20)));
        assertEquals(1, q.waiting());
        q.abandon(w2);
        assertThrows(CancellationException.class, () -> q.await(w2, Duration.ofMillis(20)));
        assertEquals(0, q.waiting());
        running.close();
        running.close(); // idempotent
        assertEquals(0, q.running());
        TierQueue.Ticket next = q.enqueue(light);
        assertTrue(q.await(next, Duration.ofMillis(20)));
        assertEquals(1, q.running());
    }
}
