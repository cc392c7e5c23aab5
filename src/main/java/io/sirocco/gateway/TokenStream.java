package io.sirocco.gateway;

import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.TokenListener;
import io.vertx.core.http.HttpServerResponse;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The delivery stage of one stream, off the engine's thread (and, scaled out, off the RabbitMQ consumer thread):
 * the engine's listener only appends the token's text to a bounded buffer; the request's own thread takes it from
 * there, frames and writes it. A full buffer pauses the sequence (the rest of the batch runs on) until the client
 * has read half of it; a client that reads nothing for the stall timeout has its sequence cancelled, and is billed
 * for the tokens it was sent.
 */
final class TokenStream implements TokenListener {
    private static final long WAIT_SLICE_MS = 100;

    private final int capacity;
    private final Duration stallTimeout;
    private final Runnable onFirstToken;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<String> buffer = new ArrayDeque<>();
    private Generation generation;
    private GenerationResult result;
    private boolean paused;
    private boolean first = true;
    private int delivered;
    private boolean stalled;

    TokenStream(int capacity, Duration stallTimeout, Runnable onFirstToken) {
        this.capacity = Math.max(2, capacity);
        this.stallTimeout = stallTimeout;
        this.onFirstToken = onFirstToken;
    }

    /** Binds the generation this stream delivers; its end wakes the delivering thread. */
    void attach(Generation g) {
        lock.lock();
        try {
            generation = g;
        } finally {
            lock.unlock();
        }
        g.result().whenComplete((r, e) -> {
            lock.lock();
            try {
                result = r;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        });
    }

    /** On the engine's thread: never blocks. */
    @Override
    public void onToken(int tokenId, String textDelta) {
        lock.lock();
        try {
            if (first) {
                first = false;
                onFirstToken.run();
            }
            buffer.addLast(textDelta);
            if (buffer.size() >= capacity && !paused && generation != null) {
                paused = true;
                generation.pause();
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * On the request's thread: writes each delta with {@code write} until the generation ends, waiting for the
     * socket to drain between writes. Returns the generation's result.
     */
    GenerationResult deliver(Call call, Consumer<String> write) throws InterruptedException {
        while (true) {
            String delta;
            lock.lock();
            try {
                while (buffer.isEmpty() && result == null) {
                    changed.await();
                }
                if (buffer.isEmpty()) {
                    return result;
                }
                delta = buffer.pollFirst();
                if (paused && buffer.size() <= capacity / 2) {
                    paused = false;
                    generation.resume();
                }
            } finally {
                lock.unlock();
            }
            if (stalled || call.isClientGone()) {
                continue; // drain what is left without writing it
            }
            if (!delta.isEmpty()) {
                write.accept(delta);
            }
            delivered++;
            if (!awaitDrained(call)) {
                stalled = true;
                generation.cancel();
            }
        }
    }

    /** Whether the client stopped reading and its sequence was cancelled. */
    boolean stalled() {
        return stalled;
    }

    /** Tokens whose text was handed to the socket. */
    int delivered() {
        return delivered;
    }

    /** False when the client has not read for the stall timeout. */
    private boolean awaitDrained(Call call) throws InterruptedException {
        HttpServerResponse response = call.response();
        long deadline = System.nanoTime() + stallTimeout.toNanos();
        while (response.writeQueueFull() && !call.isClientGone()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            CompletableFuture<Void> drained = new CompletableFuture<>();
            response.drainHandler(v -> drained.complete(null));
            try {
                drained.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(WAIT_SLICE_MS)), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // look again: the client may have gone, or the deadline passed
            }
        }
        return true;
    }
}
