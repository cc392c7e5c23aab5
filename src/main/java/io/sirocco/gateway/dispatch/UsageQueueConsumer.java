package io.sirocco.gateway.dispatch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Delivery;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sirocco.billing.DatabaseOutage;
import io.sirocco.billing.UsageConsumer;
import io.sirocco.billing.UsageEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Scaled out, usage events from every gateway arrive on the durable RabbitMQ queue {@code sirocco.usage-events}
 * (bound to the fanout exchange {@code sirocco.usage} that the {@code usage-events} channel publishes to) and go to
 * the billing consumer, which records each request id once. On a single node this is off.
 * <p>
 * It consumes with the RabbitMQ client itself (prefetch {@value #PREFETCH}, manual acknowledgement), not through the
 * SmallRye connector: after a broker restart that connector's consumer ignores back-pressure (it re-subscribes
 * without its prefetch, smallrye-reactive-messaging issues 1906 and 2424), the backlog overflowed its buffer, and the
 * channel stayed failed, with readiness down on every pod, until a restart (found by {@code ChaosIT}). Here the
 * {@link Reconnector} opens a new consumer after any loss, and unacknowledged events are redelivered by the broker.
 */
@ApplicationScoped
public class UsageQueueConsumer {
    private static final Logger LOG = Logger.getLogger(UsageQueueConsumer.class);
    static final String EXCHANGE = "sirocco.usage";
    static final String QUEUE = "sirocco.usage-events";
    private static final int PREFETCH = 32;

    @Inject
    UsageConsumer billing;
    @Inject
    ObjectMapper json;
    @Inject
    Config config;
    @ConfigProperty(name = "sirocco.billing.usage-queue.enabled", defaultValue = "false")
    boolean enabled;

    /** One event at a time, in delivery order; a database outage holds the queue (the events wait in RabbitMQ). */
    private final ExecutorService work = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("sirocco-usage-queue").daemon().factory());
    private volatile Connection connection;
    private volatile Channel channel;
    private volatile boolean stopping;
    private Reconnector reconnector;

    void start(@Observes StartupEvent ev) {
        if (!enabled) {
            return;
        }
        try { // at once if RabbitMQ is there; otherwise the reconnector keeps trying
            connect();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("usage queue: RabbitMQ not reachable yet: %s", e.getMessage());
        }
        reconnector = new Reconnector("sirocco-usage-queue-reconnect", this::connected, this::connect);
        reconnector.start();
    }

    private boolean connected() {
        Channel c = channel;
        return stopping || c != null && c.isOpen();
    }

    private synchronized void connect() throws IOException {
        closeQuietly();
        Connection conn = RabbitSettings.from(config).connect("sirocco-usage-queue", false);
        try {
            Channel ch = conn.createChannel();
            ch.exchangeDeclare(EXCHANGE, "fanout", true);
            ch.queueDeclare(QUEUE, true, false, false, java.util.Map.of());
            ch.queueBind(QUEUE, EXCHANGE, "#");
            ch.basicQos(PREFETCH);
            ch.basicConsume(QUEUE, false, (tag, delivery) -> work.execute(() -> handle(ch, delivery)), tag -> { });
            connection = conn;
            channel = ch;
            LOG.infof("usage queue: consuming %s", QUEUE);
        } catch (IOException | RuntimeException e) {
            try {
                conn.abort();
            } catch (RuntimeException ignored) {
                // already gone
            }
            throw e;
        }
    }

    private void handle(Channel ch, Delivery delivery) {
        long tag = delivery.getEnvelope().getDeliveryTag();
        UsageEvent event;
        try {
            event = json.readValue(delivery.getBody(), UsageEvent.class);
        } catch (IOException e) {
            LOG.errorf("usage queue: dropping an unreadable event: %s", e.getMessage());
            settle(ch, tag, false);
            return;
        }
        // While the database is away, keep the event (unacknowledged) and retry: nothing is lost, nothing doubled.
        for (long wait = 500; ch.isOpen() && !stopping; wait = Math.min(wait * 2, 10_000)) {
            try {
                billing.onUsage(event);
                settle(ch, tag, true);
                return;
            } catch (RuntimeException e) {
                if (!DatabaseOutage.causedBy(e)) {
                    LOG.errorf(e, "usage queue: could not record request %s; dropped (its gateway wrote its ledger row)",
                            event.requestId());
                    settle(ch, tag, false);
                    return;
                }
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        // The channel closed meanwhile: RabbitMQ redelivers the event to the next consumer.
    }

    private static void settle(Channel ch, long tag, boolean ack) {
        try {
            if (ack) {
                ch.basicAck(tag, false);
            } else {
                ch.basicReject(tag, false);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debugf("usage queue: could not settle a delivery (it will be redelivered): %s", e.getMessage());
        }
    }

    private void closeQuietly() {
        Connection c = connection;
        connection = null;
        channel = null;
        if (c != null) {
            try {
                c.abort();
            } catch (RuntimeException e) {
                LOG.debugf("usage queue: closing the old connection: %s", e.getMessage());
            }
        }
    }

    void stop(@Observes ShutdownEvent ev) {
        stopping = true;
        if (reconnector != null) {
            reconnector.stop();
        }
        closeQuietly();
        work.shutdownNow();
    }
}
