package io.sirocco.gateway.dispatch;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineException;
import io.sirocco.engine.EngineStats;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationResult;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The worker side of dispatch: takes requests from {@code inference.<model>} only while a batch slot is free, runs
 * them on the model's engine and streams the replies to the requesting gateway's queue.
 * <p>
 * <b>Capacity.</b> A message is taken ({@code basic.get}, manual ack) only after a slot is reserved, so the messages a
 * worker holds never exceed its free slots: its prefetch is exactly its free capacity, and requests it cannot start
 * stay in the queue for other workers.
 * <p>
 * <b>Failure.</b> The message is acknowledged when the first token is streamed (or when the request ends without
 * one). A worker that dies before that leaves it unacknowledged, so RabbitMQ redelivers it to another worker; one
 * that dies later stops heartbeating, and the gateway ends the stream with an error chunk.
 */
public final class Worker implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Worker.class);
    private static final int REMEMBERED_CANCELS = 10_000;

    private final Connection connection;
    private final EngineSource engines;
    private final List<String> models;
    private final Duration heartbeat;
    private final Duration idlePoll;

    private final Map<String, Active> active = new ConcurrentHashMap<>();
    private final Set<String> cancelledEarly = Collections.synchronizedSet(Collections.newSetFromMap(
            new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > REMEMBERED_CANCELS;
                }
            }));
    /** Every publish and ack goes through this one thread: engine listeners only enqueue. */
    private final ExecutorService out = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("sirocco-worker-out").daemon().factory());
    private final String workerId = UUID.randomUUID().toString();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("sirocco-worker-heartbeat").daemon().factory());
    private final List<Thread> takers = new ArrayList<>();
    private volatile boolean taking;
    private volatile boolean connectionLost;
    private Channel replies;

    public Worker(Connection connection, EngineSource engines, List<String> models, Duration heartbeat, Duration idlePoll) {
        this.connection = connection;
        this.engines = engines;
        this.models = List.copyOf(models);
        this.heartbeat = heartbeat;
        this.idlePoll = idlePoll;
    }

    /** Declares the queues, listens for cancels and starts one taker thread per model. */
    public synchronized void start() throws IOException {
        // Lost RabbitMQ: the unacked messages go back to the queue and the replies can no longer reach anyone,
        // so stop everything; liveness then fails and the pod restarts.
        connection.addShutdownListener(cause -> {
            if (!cause.isInitiatedByApplication()) {
                LOG.errorf("worker lost RabbitMQ: %s", cause.getMessage());
                connectionLost = true;
                taking = false;
                active.values().forEach(Active::cancel);
            }
        });
        replies = connection.createChannel();
        // A reply the broker cannot route means its gateway is gone: stop that generation.
        replies.addReturnListener(r -> {
            Active a = active.get(r.getProperties().getCorrelationId());
            if (a != null) {
                LOG.infof("request %s: its gateway is gone, cancelling", a.id);
                a.cancel();
            }
        });
        Channel cancels = connection.createChannel();
        String cancelQueue = Topology.declareCancelQueue(cancels);
        cancels.basicConsume(cancelQueue, true, (tag, delivery) -> onControl(delivery.getBody()), tag -> { });
        Topology.declareAnnounceExchange(replies);
        taking = true;
        for (String model : models) {
            Channel ch = connection.createChannel();
            String queue = Topology.declareModelQueue(ch, model);
            Thread t = Thread.ofPlatform().name("sirocco-worker-take-" + model).daemon().start(() -> takeLoop(model, queue, ch));
            takers.add(t);
        }
        long ms = heartbeat.toMillis();
        timer.scheduleAtFixedRate(this::heartbeats, ms, ms, TimeUnit.MILLISECONDS);
        LOG.infof("worker consuming %s", models.stream().map(Topology::queueOf).toList());
    }

    /** False once the RabbitMQ connection was lost under the worker (it does not reconnect: restart it). */
    public boolean healthy() {
        return !connectionLost && connection.isOpen();
    }

    /** Generations running now (their messages taken, acked or not). */
    public int running() {
        return active.size();
    }

    /**
     * Graceful stop: take no more messages, then wait up to {@code timeout} for the running generations to finish.
     * Returns true when all finished.
     */
    public boolean drain(Duration timeout) throws InterruptedException {
        taking = false;
        for (Thread t : takers) {
            t.join(Math.max(1, idlePoll.toMillis() * 4));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!active.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        boolean all = active.isEmpty();
        try { // let the queued replies and acks go out before the connection closes
            out.submit(() -> { }).get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warnf("flushing replies: %s", e.getMessage());
        }
        return all;
    }

    @Override
    public void close() {
        taking = false;
        timer.shutdownNow();
        active.values().forEach(Active::cancel);
        out.shutdown();
        try {
            out.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (connection.isOpen()) {
                connection.close(5_000);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debugf("closing the RabbitMQ connection: %s", e.getMessage());
        }
    }

    private void takeLoop(String model, String queue, Channel ch) {
        Semaphore slots = null;
        while (taking && ch.isOpen()) {
            try {
                Engine engine = engines.engine(model);
                if (engine == null) { // still loading: leave the messages to ready workers
                    Thread.sleep(idlePoll.toMillis());
                    continue;
                }
                if (slots == null) {
                    slots = new Semaphore(Math.max(1, engines.slots(model)));
                }
                if (!slots.tryAcquire(idlePoll.toMillis(), TimeUnit.MILLISECONDS)) {
                    continue;
                }
                GetResponse message;
                synchronized (ch) {
                    message = ch.basicGet(queue, false);
                }
                if (message == null) {
                    slots.release();
                    Thread.sleep(idlePoll.toMillis());
                    continue;
                }
                start(model, engine, ch, slots, message);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                if (taking && ch.isOpen()) {
                    LOG.errorf(e, "taking from %s failed", queue);
                    sleepQuietly(idlePoll.toMillis() * 10);
                }
            }
        }
    }

    private void start(String model, Engine engine, Channel ch, Semaphore slots, GetResponse message) {
        long tag = message.getEnvelope().getDeliveryTag();
        AMQP.BasicProperties props = message.getProps();
        Wire.Request request;
        try {
            request = Wire.decode(message.getBody(), Wire.Request.class);
        } catch (IOException | RuntimeException e) {
            LOG.errorf("dropping an unreadable message from %s: %s", Topology.queueOf(model), e.getMessage());
            ackNow(ch, tag);
            slots.release();
            return;
        }
        Active a = new Active(request.requestId(), props.getReplyTo(), ch, tag, slots);
        if (cancelledEarly.remove(a.id) || expired(props)) {
            a.finishQuietly();
            return;
        }
        if (message.getEnvelope().isRedeliver()) {
            LOG.infof("request %s redelivered (its first worker stopped before streaming)", a.id);
        }
        if (request.embedInputs() != null) {
            embed(engine, a, request.embedInputs());
            return;
        }
        int[] prompt;
        try {
            prompt = request.promptTokens() != null ? request.promptTokens()
                    : engine.encodeChat(request.messages(), request.safePrompt());
        } catch (EngineException | IllegalArgumentException e) {
            a.reject(e.getMessage());
            return;
        }
        active.put(a.id, a);
        a.promptTokens = prompt.length;
        a.send(Wire.Reply.started(a.id, prompt.length));
        try {
            Generation g = engine.generate(prompt, request.params(), a::onToken);
            a.attach(g);
            g.result().whenComplete((result, error) -> a.finish(result, error));
        } catch (RuntimeException e) {
            a.finish(null, e);
        }
    }

    /** Embeddings: nothing is streamed, so the ack comes with the answer; a cancel stops the inputs not yet done. */
    private void embed(Engine engine, Active a, List<int[]> inputs) {
        active.put(a.id, a);
        int tokens = inputs.stream().mapToInt(in -> in.length).sum();
        a.send(Wire.Reply.started(a.id, tokens));
        List<CompletableFuture<float[]>> pieces;
        try {
            pieces = inputs.stream().map(engine::embed).toList();
        } catch (RuntimeException e) {
            a.reject(e.getMessage() == null ? e.toString() : e.getMessage());
            return;
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(pieces.toArray(CompletableFuture[]::new));
        a.attach(new Generation() {
            @Override
            public void cancel() {
                pieces.forEach(p -> p.cancel(false));
            }

            @Override
            public CompletableFuture<GenerationResult> result() {
                return all.handle((v, e) -> null);
            }
        });
        all.whenComplete((v, e) -> {
            if (e == null) {
                a.answer(Wire.Reply.embeddings(a.id, tokens, pieces.stream().map(CompletableFuture::join)
                        .toArray(float[][]::new)));
            } else {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                        ? e.getCause() : e;
                a.reject(cause.getMessage() == null ? cause.toString() : cause.getMessage());
            }
        });
    }

    private static boolean expired(AMQP.BasicProperties props) {
        Object deadline = props.getHeaders() == null ? null : props.getHeaders().get(Dispatcher.DEADLINE_HEADER);
        return deadline instanceof Number n && n.longValue() < System.currentTimeMillis();
    }

    private void onControl(byte[] body) {
        try {
            Wire.Control control = Wire.decode(body, Wire.Control.class);
            Active a = active.get(control.requestId());
            switch (control.action()) {
                case CANCEL -> {
                    if (a != null) {
                        a.cancel();
                    } else {
                        cancelledEarly.add(control.requestId());
                    }
                }
                case PAUSE -> {
                    if (a != null) {
                        a.pause();
                    }
                }
                case RESUME -> {
                    if (a != null) {
                        a.resume();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf("ignoring an unreadable control message: %s", e.getMessage());
        }
    }

    /** Every heartbeat: each live request's heartbeat, and each served model's facts and load. */
    private void heartbeats() {
        for (Active a : active.values()) {
            a.send(Wire.Reply.heartbeat(a.id, a.completionTokens));
        }
        for (String model : models) {
            Engine engine = engines.engine(model);
            if (engine != null) {
                EngineStats st = engine.stats();
                Wire.Announce announce = new Wire.Announce(workerId, model, engine.info(), st.runningSequences(),
                        st.waitingSequences(), st.kvBlocksUsed(), st.kvBlocksTotal());
                out.execute(() -> publishAnnounce(announce));
            }
        }
    }

    private void publishAnnounce(Wire.Announce announce) {
        try {
            synchronized (replies) {
                replies.basicPublish(Topology.MODELS_EXCHANGE, "", null, Wire.encode(announce));
            }
        } catch (IOException | RuntimeException e) {
            LOG.debugf("announcement not sent: %s", e.getMessage());
        }
    }

    private void ackNow(Channel ch, long tag) {
        out.execute(() -> ack(ch, tag));
    }

    private static void ack(Channel ch, long tag) {
        try {
            synchronized (ch) {
                ch.basicAck(tag, false);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf("ack failed (the message will be redelivered): %s", e.getMessage());
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One request this worker took: its slot, its message, its generation. */
    private final class Active {
        final String id;
        final String replyTo;
        final Channel ch;
        final long tag;
        final Semaphore slots;
        volatile int promptTokens;
        volatile int completionTokens;
        private boolean acked;
        private boolean released;
        private Generation generation;
        private boolean cancelRequested;

        Active(String id, String replyTo, Channel ch, long tag, Semaphore slots) {
            this.id = id;
            this.replyTo = replyTo;
            this.ch = ch;
            this.tag = tag;
            this.slots = slots;
        }

        /** On the engine's thread: must not block. */
        void onToken(int tokenId, String text) {
            int n = ++completionTokens;
            out.execute(() -> {
                ackOnce();
                publish(Wire.Reply.token(id, tokenId, text, n));
            });
        }

        synchronized void attach(Generation g) {
            generation = g;
            if (cancelRequested) {
                g.cancel();
            }
        }

        synchronized void cancel() {
            cancelRequested = true;
            if (generation != null) {
                generation.cancel();
            }
        }

        synchronized void pause() {
            if (generation != null) {
                generation.pause();
            }
        }

        synchronized void resume() {
            if (generation != null) {
                generation.resume();
            }
        }

        void finish(GenerationResult result, Throwable error) {
            Wire.Reply done = result != null
                    ? Wire.Reply.done(id, result.promptTokens(), result.completionTokens(), result.finishReason(),
                    result.error() == null ? null : String.valueOf(result.error().getMessage()))
                    : Wire.Reply.done(id, promptTokens, completionTokens, io.sirocco.engine.FinishReason.ERROR,
                    error == null ? "generation failed" : String.valueOf(error.getMessage()));
            out.execute(() -> {
                publish(done);
                ackOnce();
                releaseOnce();
            });
        }

        void answer(Wire.Reply reply) {
            out.execute(() -> {
                publish(reply);
                ackOnce();
                releaseOnce();
            });
        }

        void reject(String why) {
            out.execute(() -> {
                publish(Wire.Reply.rejected(id, why));
                ackOnce();
                releaseOnce();
            });
        }

        /** Ends a request that needs no reply (cancelled or expired while queued). */
        void finishQuietly() {
            out.execute(() -> {
                ackOnce();
                releaseOnce();
            });
        }

        void send(Wire.Reply reply) {
            out.execute(() -> publish(reply));
        }

        private void publish(Wire.Reply reply) {
            if (replyTo == null) {
                return;
            }
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().correlationId(id)
                    .contentType("application/json").build();
            try {
                synchronized (replies) {
                    replies.basicPublish("", replyTo, true, props, Wire.encode(reply));
                }
            } catch (IOException | RuntimeException e) {
                LOG.warnf("request %s: reply not sent: %s", id, e.getMessage());
            }
        }

        private void ackOnce() {
            if (!acked) {
                acked = true;
                ack(ch, tag);
            }
        }

        private void releaseOnce() {
            if (!released) {
                released = true;
                active.remove(id, this);
                slots.release();
            }
        }
    }
}
