package io.sirocco.gateway.dispatch;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;

import java.io.IOException;
import java.util.Map;

/**
 * The RabbitMQ objects of dispatch. Gateways and workers declare them alike (declaring is idempotent while the
 * arguments match), so either may start first.
 * <ul>
 *   <li>{@value #INFERENCE_EXCHANGE}: direct exchange; routing key = model id;</li>
 *   <li>{@code inference.<model>}: one durable priority queue per model, for live requests;</li>
 *   <li>{@value #BATCH_EXCHANGE}: direct exchange; routing key = model id;</li>
 *   <li>{@code batch.<model>}: one durable queue per model for batch (background) requests, consumed by workers
 *       against a budget of their own, so batch work never takes the consumers that live requests arrive on;</li>
 *   <li>{@value #CANCEL_EXCHANGE}: fanout to every worker's private cancel queue;</li>
 *   <li>{@code sirocco.reply.<gateway>}: one exclusive, auto-deleted queue per gateway for the streamed replies;</li>
 *   <li>{@value #MODELS_EXCHANGE}: fanout of the workers' announcements to every gateway's private queue.</li>
 * </ul>
 */
public final class Topology {
    public static final String INFERENCE_EXCHANGE = "sirocco.inference";
    public static final String CANCEL_EXCHANGE = "sirocco.cancel";
    public static final String MODELS_EXCHANGE = "sirocco.models";
    public static final String BATCH_EXCHANGE = "sirocco.batch";
    /** Priorities run 0 (lowest) … MAX_PRIORITY; RabbitMQ keeps one sub-queue per level, so keep it small. */
    public static final int MAX_PRIORITY = 9;

    private Topology() {
    }

    public static String queueOf(String model) {
        return "inference." + model;
    }

    public static String batchQueueOf(String model) {
        return "batch." + model;
    }

    public static String replyQueueOf(String gatewayId) {
        return "sirocco.reply." + gatewayId;
    }

    /** Declares the exchanges and the durable live and batch queues of {@code model}. */
    static void declareModelQueues(Channel ch, String model) throws IOException {
        ch.exchangeDeclare(INFERENCE_EXCHANGE, BuiltinExchangeType.DIRECT, true);
        ch.queueDeclare(queueOf(model), true, false, false, Map.of("x-max-priority", MAX_PRIORITY));
        ch.queueBind(queueOf(model), INFERENCE_EXCHANGE, model);
        ch.exchangeDeclare(BATCH_EXCHANGE, BuiltinExchangeType.DIRECT, true);
        ch.queueDeclare(batchQueueOf(model), true, false, false, null);
        ch.queueBind(batchQueueOf(model), BATCH_EXCHANGE, model);
    }

    /** Declares the cancel fanout and binds a new private queue to it; returns that queue's name. */
    static String declareCancelQueue(Channel ch) throws IOException {
        return declarePrivateQueue(ch, CANCEL_EXCHANGE);
    }

    /** Declares the announcement fanout and binds a new private queue to it; returns that queue's name. */
    static String declareAnnounceQueue(Channel ch) throws IOException {
        return declarePrivateQueue(ch, MODELS_EXCHANGE);
    }

    static void declareAnnounceExchange(Channel ch) throws IOException {
        ch.exchangeDeclare(MODELS_EXCHANGE, BuiltinExchangeType.FANOUT, true);
    }

    private static String declarePrivateQueue(Channel ch, String fanout) throws IOException {
        ch.exchangeDeclare(fanout, BuiltinExchangeType.FANOUT, true);
        String queue = ch.queueDeclare().getQueue();
        ch.queueBind(queue, fanout, "");
        return queue;
    }

    static void declareCancelExchange(Channel ch) throws IOException {
        ch.exchangeDeclare(CANCEL_EXCHANGE, BuiltinExchangeType.FANOUT, true);
    }

    /** The gateway's reply queue: exclusive and auto-deleted, so it disappears with the gateway's connection. */
    static String declareReplyQueue(Channel ch, String gatewayId) throws IOException {
        String queue = replyQueueOf(gatewayId);
        ch.queueDeclare(queue, false, true, true, null);
        return queue;
    }
}
