package io.sirocco.gateway.dispatch;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Delivery;
import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineException;
import io.sirocco.engine.EngineStats;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.TokenLogprobs;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The worker role's side of dispatch: consumes requests from {@code inference.<model>} (live) and
 * {@code batch.<model>} (batch work) only while a slot is free, runs them on the model's engine and streams the
 * replies to the requesting gateway's queue.
 * <p>
 * <b>Capacity.</b> Each slot has its own channel with a prefetch of one (manual ack), and a consumer on its queue
 * while the slot is free: so the worker's prefetch is exactly its free slots, and requests it cannot start stay in
 * the queue for other workers. A slot's consumer is cancelled as soon as its message arrives (the broker would
 * otherwise send it another once the message is acknowledged, while the generation still runs) and a new one opens
 * when the generation ends.
 * <p>
 * <b>Batch work beside live work.</b> A model has as many live slots as its engine runs sequences, and as many batch
 * slots again on its batch queue. Batch requests run on the engine's background queue: a live request that finds
 * the engine full of them preempts one (it starts over later, its listener seeing only the attempt that finishes),
 * so a worker busy with batch work still takes, and starts, a live request within one engine step.
 * <p>
 * <b>Failure.</b> The message is acknowledged when the first token is streamed (or when the request ends without
 * one). A worker that dies before that leaves it unacknowledged, so RabbitMQ redelivers it to another worker; one
 * that dies later stops heartbeating, and the gateway ends the stream with an error chunk.
 */
public final class InferenceConsumer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(InferenceConsumer.class);
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
    /** Every reply, and the ack of a running request, goes through this one thread: engine listeners only enqueue. */
    private final ExecutorService out = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("sirocco-worker-out").daemon().factory());
    private final String workerId = UUID.randomUUID().toString();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("sirocco-worker-heartbeat").daemon().factory());
    private final List<Slot> slots = new CopyOnWriteArrayList<>();
    private volatile boolean taking;
    private volatile boolean connectionLost;
    private Channel replies;

    public InferenceConsumer(Connection connection, EngineSource engines, List<String> models, Duration heartbeat, Duration idlePoll) {
        this.connection = connection;
        this.engines = engines;
        this.models = List.copyOf(models);
        this.heartbeat = heartbeat;
        this.idlePoll = idlePoll;
    }

    /** Declares the queues, listens for cancels and, per model, starts consuming once its engine has loaded. */
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
            try (Channel ch = connection.createChannel()) {
                Topology.declareModelQueues(ch, model);
            } catch (TimeoutException e) {
                throw new IOException(e);
            }
            Thread.ofPlatform().name("sirocco-worker-load-" + model).daemon().start(() -> openWhenLoaded(model));
        }
        long ms = heartbeat.toMillis();
        timer.scheduleAtFixedRate(this::heartbeats, ms, ms, TimeUnit.MILLISECONDS);
        LOG.infof("worker consuming %s and %s", models.stream().map(Topology::queueOf).toList(),
                models.stream().map(Topology::batchQueueOf).toList());
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
        slots.forEach(Slot::stopConsuming);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!active.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        boolean all = active.isEmpty();
        try { // let the queued replies and acks go out before the connection closes
            out.submit(() -> { }).get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
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

    /**
     * Waits for the model's engine to load (leaving its messages to ready workers meanwhile), then opens its live
     * slots and as many batch slots.
     */
    private void openWhenLoaded(String model) {
        Engine engine;
        try {
            while ((engine = engines.engine(model)) == null) {
                if (!taking) {
                    return;
                }
                Thread.sleep(idlePoll.toMillis());
            }
            for (int i = Math.max(1, engines.slots(model)); i > 0 && taking; i--) {
                for (String queue : List.of(Topology.queueOf(model), Topology.batchQueueOf(model))) {
                    Slot slot = new Slot(queue, engine, connection.createChannel());
                    slots.add(slot);
                    slot.consume();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "opening the slots of %s failed", model);
        }
    }

    /** On the slot's consumer thread: the one message its prefetch allows. */
    private void take(Slot slot, Delivery message) {
        slot.stopConsuming();
        long tag = message.getEnvelope().getDeliveryTag();
        if (!taking) { // drain began while this was on its way: leave it to another worker
            slot.requeue(tag);
            return;
        }
        AMQP.BasicProperties props = message.getProperties();
        Wire.Request request;
        try {
            request = Wire.decode(message.getBody(), Wire.Request.class);
        } catch (IOException | RuntimeException e) {
            LOG.errorf("dropping an unreadable message from %s: %s", slot.queue, e.getMessage());
            slot.ack(tag);
            slot.consumeLater();
            return;
        }
        Engine engine = request.background() ? slot.engine.background() : slot.engine;
        Active a = new Active(request.requestId(), props.getReplyTo(), slot, tag);
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
        GenerationParams params;
        try {
            prompt = request.promptTokens();
            params = request.params() == null ? null : request.params().toGenerationParams();
        } catch (EngineException | IllegalArgumentException e) { // a GrammarException is an EngineException
            a.reject(e.getMessage());
            return;
        }
        active.put(a.id, a);
        a.promptTokens = prompt.length;
        a.send(Wire.Reply.started(a.id, prompt.length));
        try {
            Integer top = request.params() == null ? null : request.params().topLogprobs();
            Generation g = engine.generate(prompt, params, top == null ? a::onToken : a.withLogprobs(top));
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

    /** One slot of a model's queue (live or batch): its own channel (prefetch one) and, while free, a consumer. */
    private final class Slot {
        final String queue;
        final Engine engine;
        final Channel ch;
        private final AtomicReference<String> consumer = new AtomicReference<>();

        Slot(String queue, Engine engine, Channel ch) throws IOException {
            this.queue = queue;
            this.engine = engine;
            this.ch = ch;
            ch.basicQos(1);
        }

        void consume() {
            if (!taking || !ch.isOpen()) {
                return;
            }
            // The tag is ours and set first, so a message that arrives before basicConsume returns can cancel it.
            String tag = "sirocco-worker-" + UUID.randomUUID();
            consumer.set(tag);
            try {
                ch.basicConsume(queue, false, tag, (t, d) -> take(this, d), t -> { });
            } catch (IOException | RuntimeException e) {
                consumer.compareAndSet(tag, null);
                LOG.errorf("consuming from %s failed: %s", queue, e.getMessage());
            }
            if (!taking) { // drain began meanwhile
                stopConsuming();
            }
        }

        /** When the slot frees: off the caller's thread, since opening a consumer waits for the broker. */
        void consumeLater() {
            Thread.ofVirtual().name("sirocco-worker-consume").start(this::consume);
        }

        void stopConsuming() {
            String tag = consumer.getAndSet(null);
            if (tag != null && ch.isOpen()) {
                try {
                    ch.basicCancel(tag);
                } catch (IOException | RuntimeException e) {
                    LOG.warnf("cancelling consumer %s failed: %s", tag, e.getMessage());
                }
            }
        }

        void ack(long tag) {
            try {
                ch.basicAck(tag, false);
            } catch (IOException | RuntimeException e) {
                LOG.warnf("ack failed (the message will be redelivered): %s", e.getMessage());
            }
        }

        void requeue(long tag) {
            try {
                ch.basicReject(tag, true);
            } catch (IOException | RuntimeException e) {
                LOG.warnf("requeue failed (the message returns when the connection closes): %s", e.getMessage());
            }
        }
    }

    /** One request this worker took: its slot, its message, its generation. */
    private final class Active {
        final String id;
        final String replyTo;
        final Slot slot;
        final long tag;
        volatile int promptTokens;
        volatile int completionTokens;
        private boolean acked;
        private boolean released;
        private Generation generation;
        private boolean cancelRequested;

        Active(String id, String replyTo, Slot slot, long tag) {
            this.id = id;
            this.replyTo = replyTo;
            this.slot = slot;
            this.tag = tag;
        }

        /** On the engine's thread: must not block. */
        void onToken(int tokenId, String text) {
            onToken(tokenId, text, null);
        }

        private void onToken(int tokenId, String text, TokenLogprobs logprobs) {
            int n = ++completionTokens;
            out.execute(() -> {
                ackOnce();
                publish(Wire.Reply.token(id, tokenId, text, n, logprobs));
            });
        }

        /**
         * A listener that also sends each token's log-probabilities with it (the engine reports them just before the
         * token, on the same thread).
         */
        TokenLogprobs.Listener withLogprobs(int top) {
            return new TokenLogprobs.Listener() {
                private TokenLogprobs pending;

                @Override
                public int topLogprobs() {
                    return top;
                }

                @Override
                public void onLogprobs(TokenLogprobs logprobs) {
                    pending = logprobs;
                }

                @Override
                public void onToken(int tokenId, String textDelta) {
                    TokenLogprobs lp = pending;
                    pending = null;
                    Active.this.onToken(tokenId, textDelta, lp);
                }
            };
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
                    ? Wire.Reply.done(id, result.promptTokens(), result.cachedTokens(), result.completionTokens(),
                    result.finishReason(),
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
                slot.ack(tag);
            }
        }

        private void releaseOnce() {
            if (!released) {
                released = true;
                active.remove(id, this);
                slot.consumeLater();
            }
        }
    }
}
