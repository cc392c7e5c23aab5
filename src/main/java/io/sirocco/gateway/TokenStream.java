package io.sirocco.gateway;

import io.sirocco.engine.Generation;
import io.sirocco.engine.TokenListener;
import io.sirocco.engine.TokenLogprobs;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The delivery stage of one streamed reply, off the engine's scheduler thread (and, scaled out, off the RabbitMQ
 * consumer thread). The engine's listeners only append each token to a bounded buffer; the request's own thread
 * takes them from there, frames them and writes all that are waiting with one socket write, and waits for the socket
 * to drain between writes.
 * <ul>
 * <li>A full buffer ({@code capacity} tokens waiting for the client) pauses the reply's generations: the scheduler
 * keeps their KV cache and runs the rest of the batch without them. They resume once the client has taken half.</li>
 * <li>A client that reads nothing for {@code stallTimeout} has its generations cancelled; it is billed for the
 * tokens it was sent ({@link #delivered()}).</li>
 * </ul>
 */
final class TokenStream {
    /** How often a writer waiting for the socket looks again (the client may have gone meanwhile). */
    private static final long WAIT_SLICE_MS = 100;

    /** One generated token of choice {@code choice}, with its log-probabilities when they were asked for. */
    record Token(int choice, String delta, TokenLogprobs logprobs) {
    }

    /** Frames one token for the client into {@code out} (on the request's thread); it may append nothing. */
    interface Writer {
        void write(Token token, Buffer out);
    }

    private final int capacity;
    /** Most tokens framed into one socket write. */
    private final int perWrite;
    private final Duration stallTimeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Token> buffer = new ArrayDeque<>();
    private final List<Generation> generations = new ArrayList<>();
    private int running;
    private boolean paused;
    private int delivered;
    private boolean stalled;
    private boolean broken;
    private boolean closed;
    private final AtomicLong held;

    /** {@code held}: a count shared by all streams, of the tokens waiting in their buffers. */
    TokenStream(int capacity, Duration stallTimeout, AtomicLong held) {
        this(capacity, stallTimeout, held, Integer.MAX_VALUE);
    }

    /** {@code perWrite}: at most this many tokens in one socket write (1 writes each token on its own). */
    TokenStream(int capacity, Duration stallTimeout, AtomicLong held, int perWrite) {
        this.perWrite = Math.max(1, perWrite);
        this.capacity = Math.max(2, capacity);
        this.stallTimeout = stallTimeout;
        this.held = held;
    }

    /**
     * The listener for choice {@code choice}: it never blocks. With {@code topLogprobs} non-null it also takes each
     * token's log-probabilities (the engine gives them just before the token).
     */
    TokenListener listener(int choice, Integer topLogprobs) {
        if (topLogprobs == null) {
            return (id, delta) -> add(new Token(choice, delta, null));
        }
        return new TokenLogprobs.Listener() {
            private TokenLogprobs pending;

            @Override
            public int topLogprobs() {
                return topLogprobs;
            }

            @Override
            public void onLogprobs(TokenLogprobs logprobs) {
                pending = logprobs;
            }

            @Override
            public void onToken(int tokenId, String textDelta) {
                add(new Token(choice, textDelta, pending));
                pending = null;
            }
        };
    }

    /** Binds the generations this stream delivers; the end of the last one ends {@link #deliver}. */
    void attach(List<Generation> gens) {
        boolean pausedNow;
        lock.lock();
        try {
            generations.addAll(gens);
            running += gens.size();
            pausedNow = paused;
        } finally {
            lock.unlock();
        }
        if (pausedNow) {
            gens.forEach(Generation::pause);
        }
        for (Generation g : gens) {
            g.result().whenComplete((r, e) -> {
                lock.lock();
                try {
                    running--;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            });
        }
    }

    private void add(Token token) {
        List<Generation> toPause = List.of();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            buffer.addLast(token);
            held.incrementAndGet();
            if (buffer.size() >= capacity && !paused) {
                paused = true;
                toPause = List.copyOf(generations);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        toPause.forEach(Generation::pause); // outside the lock: scaled out, a pause is a message to the worker
    }

    /**
     * On the request's thread: until every attached generation has ended, takes the tokens waiting in the buffer,
     * has {@code writer} frame each, writes them to the socket at once, and waits for it to drain. Once the client has
     * gone or stalled, what is left is drained without being written.
     */
    void deliver(Call call, Writer writer) throws InterruptedException {
        List<Token> taken = new ArrayList<>();
        try {
            while (true) {
                taken.clear();
                List<Generation> toResume = List.of();
                lock.lock();
                try {
                    while (buffer.isEmpty() && running > 0) {
                        changed.await();
                    }
                    if (buffer.isEmpty()) {
                        return;
                    }
                    while (!buffer.isEmpty() && taken.size() < perWrite) {
                        taken.add(buffer.pollFirst());
                    }
                    held.addAndGet(-taken.size());
                    if (paused && buffer.size() <= capacity / 2) {
                        paused = false;
                        toResume = List.copyOf(generations);
                    }
                } finally {
                    lock.unlock();
                }
                toResume.forEach(Generation::resume);
                if (stalled || broken || call.isClientGone()) {
                    continue; // drain what is left without writing it
                }
                try {
                    Buffer out = Buffer.buffer();
                    for (Token token : taken) {
                        writer.write(token, out);
                    }
                    if (out.length() > 0) {
                        call.response().write(out);
                    }
                } catch (RuntimeException e) {
                    broken = true; // the connection broke under us: nobody is left to read the rest
                    cancelAll();
                    continue;
                }
                delivered += taken.size();
                if (!awaitDrained(call)) {
                    stalled = true;
                    cancelAll();
                }
            }
        } finally {
            close();
        }
    }

    /** Drops what is left (when delivery ended early) and takes no more. */
    private void close() {
        boolean unfinished;
        lock.lock();
        try {
            closed = true;
            held.addAndGet(-buffer.size());
            buffer.clear();
            unfinished = running > 0;
        } finally {
            lock.unlock();
        }
        if (unfinished) {
            cancelAll(); // delivery failed: nobody will write what they still generate
        }
    }

    /** Whether the client stopped reading and the reply was cancelled. */
    boolean stalled() {
        return stalled;
    }

    /** Tokens handed to the socket. */
    int delivered() {
        return delivered;
    }

    private void cancelAll() {
        lock.lock();
        List<Generation> all;
        try {
            all = List.copyOf(generations);
        } finally {
            lock.unlock();
        }
        all.forEach(Generation::cancel);
    }

    /** False when the socket's write queue stayed full (the client read nothing) for the stall timeout. */
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
