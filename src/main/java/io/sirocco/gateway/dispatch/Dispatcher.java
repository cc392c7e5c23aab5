package io.sirocco.gateway.dispatch;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.sirocco.engine.ModelInfo;
import io.sirocco.engine.TokenListener;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The gateway side of dispatch. Publishes each request on its model's durable queue (a batch request on the
 * model's batch queue), with the plan's priority and a TTL equal to the queue timeout, and receives the worker's replies on this gateway's own reply queue.
 * A watchdog ends requests no worker took in time, and requests whose worker went silent mid-stream.
 * <p>
 * <b>Publisher confirms, pipelined.</b> Each request waits for the broker's confirm of its own message, matched by
 * publish sequence number; the lock on the channel is held only while a message is written, so many requests are
 * in flight to the broker at once.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Dispatcher.class);
    /** Epoch millis after which a worker must not start the request (the gateway has given up on it). */
    static final String DEADLINE_HEADER = "x-sirocco-deadline";

    private final Connection connection;
    private final String gatewayId;
    private final Duration stallTimeout;
    private final Map<String, RemoteCall> calls = new ConcurrentHashMap<>();
    private final Map<String, Heard> announcements = new ConcurrentHashMap<>();
    /** An announcement older than this is stale: its worker is gone. */
    private final Duration announceTtl;
    private final Map<String, Boolean> declaredModels = new ConcurrentHashMap<>();
    /** Publish sequence number → the confirm its sender waits for. */
    private final ConcurrentNavigableMap<Long, CompletableFuture<Void>> unconfirmed = new ConcurrentSkipListMap<>();
    /** A channel must not be written by two threads at once; held for a write, never across a confirm. */
    private final ReentrantLock publishing = new ReentrantLock();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("sirocco-dispatch-watchdog").daemon().factory());
    private Channel publish;
    private Channel consume;
    private String replyQueue;

    public Dispatcher(Connection connection, String gatewayId, Duration stallTimeout) {
        this.connection = connection;
        this.gatewayId = gatewayId;
        this.stallTimeout = stallTimeout;
        this.announceTtl = stallTimeout;
    }

    public synchronized void start() throws IOException {
        publish = connection.createChannel();
        publish.confirmSelect();
        publish.addConfirmListener((seq, multiple) -> confirmed(seq, multiple, null),
                (seq, multiple) -> confirmed(seq, multiple, "the broker refused it"));
        // A lost channel (recovered with fresh sequence numbers) never confirms what it had: fail it now.
        publish.addShutdownListener(cause -> confirmed(Long.MAX_VALUE, true, "channel closed: " + cause.getMessage()));
        Topology.declareCancelExchange(publish);
        consume = connection.createChannel();
        replyQueue = Topology.declareReplyQueue(consume, gatewayId);
        consume.basicConsume(replyQueue, true, (tag, delivery) -> onReply(delivery.getBody()), tag -> { });
        String announcements = Topology.declareAnnounceQueue(consume);
        consume.basicConsume(announcements, true, (tag, delivery) -> onAnnounce(delivery.getBody()), tag -> { });
        watchdog.scheduleAtFixedRate(this::check, 200, 200, TimeUnit.MILLISECONDS);
        LOG.infof("gateway %s dispatching through RabbitMQ, replies on %s", gatewayId, replyQueue);
    }

    /** Whether the RabbitMQ connection is up (when it is not, {@link GatewayDispatch} replaces this dispatcher). */
    public boolean connected() {
        return connection.isOpen();
    }

    /** {waiting, running} for {@code model}: sent but not taken by a worker yet, and taken. */
    public int[] load(String model) {
        int waiting = 0;
        int running = 0;
        for (RemoteCall c : calls.values()) {
            if (c.model.equals(model)) {
                if (c.started().isDone()) {
                    running++;
                } else {
                    waiting++;
                }
            }
        }
        return new int[]{waiting, running};
    }

    /** Requests sent and not yet ended. */
    public int inFlight() {
        return calls.size();
    }

    /**
     * Sends {@code request} to a worker of its model. The message waits at most {@code queueTimeout} in the queue
     * (then RabbitMQ drops it and the call ends with {@link RemoteResult.Outcome#QUEUE_TIMEOUT}).
     *
     * @param priority 0 (lowest) to {@link Topology#MAX_PRIORITY}; higher plans are taken first
     */
    public RemoteCall submit(Wire.Request request, int priority, Duration queueTimeout, TokenListener listener)
            throws IOException {
        String model = request.model();
        declareOnce(model);
        long deadlineMillis = System.currentTimeMillis() + queueTimeout.toMillis();
        RemoteCall call = new RemoteCall(request.requestId(), model, listener, this, System.nanoTime() + queueTimeout.toNanos());
        if (calls.putIfAbsent(call.requestId, call) != null) {
            throw new IllegalArgumentException("request " + call.requestId + " is already in flight");
        }
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .deliveryMode(2)
                .priority(Math.clamp(priority, 0, Topology.MAX_PRIORITY))
                .expiration(Long.toString(Math.max(1, queueTimeout.toMillis())))
                .replyTo(replyQueue)
                .correlationId(call.requestId)
                .messageId(call.requestId)
                .contentType("application/json")
                .headers(Map.of(DEADLINE_HEADER, deadlineMillis))
                .build();
        try {
            publishConfirmed(request.background() ? Topology.BATCH_EXCHANGE : Topology.INFERENCE_EXCHANGE, model,
                    props, Wire.encode(request));
        } catch (IOException e) {
            calls.remove(call.requestId);
            throw new IOException("could not hand request " + call.requestId + " to RabbitMQ: " + e.getMessage(), e);
        }
        return call;
    }

    /** Publishes and waits up to 5 s for the broker's confirm of this one message. */
    private void publishConfirmed(String exchange, String routingKey, AMQP.BasicProperties props, byte[] body)
            throws IOException {
        CompletableFuture<Void> confirm = new CompletableFuture<>();
        long seq;
        publishing.lock();
        try {
            seq = publish.getNextPublishSeqNo();
            unconfirmed.put(seq, confirm);
            publish.basicPublish(exchange, routingKey, true, props, body);
        } catch (IOException | RuntimeException e) {
            unconfirmed.values().remove(confirm);
            throw e instanceof IOException io ? io : new IOException(e);
        } finally {
            publishing.unlock();
        }
        try {
            confirm.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the broker's confirm", e);
        } catch (TimeoutException e) {
            throw new IOException("no confirm from the broker within 5 s", e);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } finally {
            unconfirmed.remove(seq, confirm);
        }
    }

    /** A broker ack ({@code failure} null) or nack of {@code seq}, or of every message up to it when {@code multiple}. */
    private void confirmed(long seq, boolean multiple, String failure) {
        Map<Long, CompletableFuture<Void>> done = multiple ? unconfirmed.headMap(seq, true) : unconfirmed.subMap(seq, true, seq, true);
        for (CompletableFuture<Void> f : done.values()) {
            if (failure == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(new IOException(failure));
            }
        }
        done.clear();
    }

    private void declareOnce(String model) throws IOException {
        try {
            declaredModels.computeIfAbsent(model, m -> {
                publishing.lock();
                try {
                    Topology.declareModelQueues(publish, m);
                    return true;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } finally {
                    publishing.unlock();
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public void close() {
        close("the gateway is shutting down");
    }

    /** Ends every call still waiting with {@code reason} and closes the connection. */
    public void close(String reason) {
        watchdog.shutdownNow();
        calls.values().forEach(c -> c.end(RemoteResult.Outcome.WORKER_LOST, io.sirocco.engine.FinishReason.ERROR, reason));
        try {
            if (connection.isOpen()) {
                connection.close(5_000);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debugf("closing the RabbitMQ connection: %s", e.getMessage());
        }
    }

    void publishControl(String requestId, Wire.Control.Action action) {
        publishing.lock();
        try { // not confirmed: a lost cancel only lets a worker finish unread work, a lost pause ends in a stall
            publish.basicPublish(Topology.CANCEL_EXCHANGE, "", null, Wire.encode(new Wire.Control(requestId, action)));
        } catch (IOException | RuntimeException e) {
            LOG.warnf("request %s: %s not sent: %s", requestId, action, e.getMessage());
        } finally {
            publishing.unlock();
        }
    }

    /**
     * The workers of {@code model} heard from within three heartbeats: the model's facts as the first of them has
     * them, and their load summed. Empty when none is.
     */
    public Optional<Announced> announced(String model) {
        long now = System.nanoTime();
        List<Wire.Announce> live = announcements.values().stream()
                .filter(a -> a.announce().model().equals(model) && now - a.atNanos() < announceTtl.toNanos())
                .map(Heard::announce).toList();
        if (live.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Announced(live.getFirst().info(), live.stream().mapToInt(Wire.Announce::kvBlocksUsed).sum(),
                live.stream().mapToInt(Wire.Announce::kvBlocksTotal).sum()));
    }

    /** What a model's live workers announced: its facts, and their KV-cache blocks used and in all. */
    public record Announced(ModelInfo info, int kvBlocksUsed, int kvBlocksTotal) {
    }

    private record Heard(Wire.Announce announce, long atNanos) {
    }

    private void onAnnounce(byte[] body) {
        try {
            Wire.Announce a = Wire.decode(body, Wire.Announce.class);
            announcements.put(a.workerId() + "/" + a.model(), new Heard(a, System.nanoTime()));
        } catch (IOException | RuntimeException e) {
            LOG.warnf("ignoring an unreadable announcement: %s", e.getMessage());
        }
    }

    void forget(RemoteCall call) {
        calls.remove(call.requestId, call);
    }

    private void onReply(byte[] body) {
        Wire.Reply reply;
        try {
            reply = Wire.decode(body, Wire.Reply.class);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("ignoring an unreadable reply: %s", e.getMessage());
            return;
        }
        RemoteCall call = calls.get(reply.requestId());
        if (call != null) {
            try {
                call.onReply(reply);
            } catch (RuntimeException e) { // a listener failing must not stop this queue's consumer
                LOG.errorf(e, "request %s: reply handling failed", reply.requestId());
                call.cancel();
            }
        }
    }

    private void check() {
        long now = System.nanoTime();
        long stall = stallTimeout.toNanos();
        for (RemoteCall call : calls.values()) {
            try {
                call.check(now, stall);
            } catch (RuntimeException e) {
                LOG.errorf(e, "request %s: watchdog failed", call.requestId);
            }
        }
    }
}
