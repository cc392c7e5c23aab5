package io.sirocco.gateway;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bounded, fair queue in front of one tier's engine. At most {@code maxRunning} requests hold a slot
 * (the engine's concurrent sequences); the rest wait, at most {@code capacity} of them, and are let in
 * round-robin across organizations so one busy customer cannot starve the others.
 */
public final class TierQueue {

    /** The queue is full: answer 429. */
    public static final class FullException extends RuntimeException {
        FullException() {
            super(null, null, false, false);
        }
    }

    /** A place in the queue; once granted it is a slot that must be released exactly once. */
    public final class Ticket implements AutoCloseable {
        final UUID org;
        final long enqueuedNanos = System.nanoTime();
        final CompletableFuture<Void> granted = new CompletableFuture<>();
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile long grantedNanos;

        Ticket(UUID org) {
            this.org = org;
        }

        /** Seconds spent waiting before the slot was granted. */
        public double queueSeconds() {
            return (grantedNanos - enqueuedNanos) / 1e9;
        }

        /** Gives the slot back (or leaves the queue); idempotent. */
        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                giveBack(this);
            }
        }
    }

    private final int maxRunning;
    private final int capacity;
    private final Map<UUID, ArrayDeque<Ticket>> waitingByOrg = new HashMap<>();
    private final ArrayDeque<UUID> turns = new ArrayDeque<>();
    private int waiting;
    private int running;

    public TierQueue(int maxRunning, int capacity) {
        if (maxRunning < 1 || capacity < 0) {
            throw new IllegalArgumentException("maxRunning must be >= 1 and capacity >= 0");
        }
        this.maxRunning = maxRunning;
        this.capacity = capacity;
    }

    /** Joins the queue; throws {@link FullException} when {@code capacity} requests already wait. */
    public synchronized Ticket enqueue(UUID org) {
        Ticket t = new Ticket(org);
        if (running < maxRunning && waiting == 0) {
            grant(t);
            return t;
        }
        if (waiting >= capacity) {
            throw new FullException();
        }
        ArrayDeque<Ticket> own = waitingByOrg.computeIfAbsent(org, o -> new ArrayDeque<>());
        if (own.isEmpty()) {
            turns.addLast(org);
        }
        own.addLast(t);
        waiting++;
        return t;
    }

    /**
     * A ticket that holds no slot and never waits: batch lines run outside the live queue, on the engine's
     * background queue, so they never take a live request's place.
     */
    public Ticket unqueued(UUID org) {
        Ticket t = new Ticket(org);
        t.released.set(true);
        t.grantedNanos = t.enqueuedNanos;
        t.granted.complete(null);
        return t;
    }

    /**
     * Waits for the slot. Returns false on timeout (the ticket has then left the queue);
     * throws {@link CancellationException} when {@link #abandon} was called meanwhile.
     */
    public boolean await(Ticket t, Duration timeout) throws InterruptedException {
        try {
            t.granted.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            if (leave(t)) {
                return false;
            }
            return !t.granted.isCancelled(); // granted just now: keep it
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The client went away while waiting: leave the queue (or give back a slot just granted). */
    public void abandon(Ticket t) {
        if (leave(t)) {
            t.granted.cancel(false);
        }
    }

    public synchronized int waiting() {
        return waiting;
    }

    public synchronized int running() {
        return running;
    }

    public int maxRunning() {
        return maxRunning;
    }

    public int capacity() {
        return capacity;
    }

    /** Removes a still-waiting ticket; false when it had already been granted. */
    private synchronized boolean leave(Ticket t) {
        ArrayDeque<Ticket> own = waitingByOrg.get(t.org);
        if (own == null || !own.remove(t)) {
            return false;
        }
        waiting--;
        if (own.isEmpty()) {
            waitingByOrg.remove(t.org);
            turns.remove(t.org);
        }
        t.released.set(true);
        return true;
    }

    private synchronized void giveBack(Ticket t) {
        if (leave(t)) {
            return;
        }
        running--;
        dispatch();
    }

    private void dispatch() {
        while (running < maxRunning && waiting > 0) {
            UUID org = turns.pollFirst();
            ArrayDeque<Ticket> own = waitingByOrg.get(org);
            Ticket next = own.pollFirst();
            waiting--;
            if (own.isEmpty()) {
                waitingByOrg.remove(org);
            } else {
                turns.addLast(org);
            }
            grant(next);
        }
    }

    private void grant(Ticket t) {
        running++;
        t.grantedNanos = System.nanoTime();
        t.granted.complete(null);
    }
}
