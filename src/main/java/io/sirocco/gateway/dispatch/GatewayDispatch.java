package io.sirocco.gateway.dispatch;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * In the gateway role, the {@link Dispatcher} that sends requests to workers over RabbitMQ; absent in the other
 * roles, whose engines run in this JVM. While RabbitMQ cannot be reached it is empty, and a remote request fails.
 */
@ApplicationScoped
public class GatewayDispatch {
    @Inject
    Roles roles;
    @Inject
    Config config;
    @ConfigProperty(name = "sirocco.dispatch.stall-timeout", defaultValue = "10s")
    Duration stallTimeout;

    private volatile Dispatcher dispatcher;
    private volatile String failure;
    private Reconnector reconnector;
    private String id;

    /**
     * Connects in the background: RabbitMQ may come up after the gateway. The {@link Reconnector} makes the first
     * connection and, whenever the connection is lost, a new dispatcher on a new connection, as the worker does.
     * The client library's automatic recovery is not used: after {@code rabbitmqctl close_all_connections} it
     * left a gateway's connection closed for good (ScaleOutIT), and a lost connection loses the reply queue anyway.
     */
    void start(@Observes StartupEvent ev) {
        if (!roles.dispatchesRemotely()) {
            return;
        }
        id = config.getOptionalValue("sirocco.dispatch.gateway-id", String.class)
                .orElseGet(() -> System.getenv().getOrDefault("HOSTNAME", "gateway") + "-" + UUID.randomUUID().toString().substring(0, 8));
        try { // at once if RabbitMQ is there; otherwise the reconnector keeps trying
            connect();
        } catch (IOException | RuntimeException e) {
            org.jboss.logging.Logger.getLogger(getClass()).warnf("%s cannot reach RabbitMQ yet: %s", roles.role(), e.getMessage());
        }
        reconnector = new Reconnector("sirocco-gateway-reconnect", this::connected, this::connect);
        reconnector.start();
    }

    private boolean connected() {
        Dispatcher d = dispatcher;
        return d != null && d.connected();
    }

    /** (Re)connects: a dispatcher whose connection was lost ends its calls (their replies are gone) and is replaced. */
    private void connect() throws IOException {
        Dispatcher old = dispatcher;
        if (old != null) {
            dispatcher = null;
            old.close("the gateway lost its RabbitMQ connection");
            org.jboss.logging.Logger.getLogger(getClass()).warn("gateway lost RabbitMQ; reconnecting");
        }
        try {
            Dispatcher d = new Dispatcher(RabbitSettings.from(config).connect("sirocco-gateway-" + id, false), id, stallTimeout);
            d.start();
            dispatcher = d;
            failure = null;
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage();
            throw e;
        }
    }

    void stop(@Observes ShutdownEvent ev) {
        if (reconnector != null) {
            reconnector.stop();
        }
        Dispatcher d = dispatcher;
        if (d != null) {
            d.close("the gateway is shutting down");
        }
    }

    /** The dispatcher in the gateway role once connected; empty in the other roles. */
    public Optional<Dispatcher> dispatcher() {
        return Optional.ofNullable(dispatcher);
    }

    /** Queue priority (0–9) of an organization's plan: {@code sirocco.dispatch.priority.<plan>}, else the default. */
    public int priorityOf(String plan) {
        return config.getOptionalValue("sirocco.dispatch.priority." + plan, Integer.class)
                .or(() -> config.getOptionalValue("sirocco.dispatch.priority.default", Integer.class))
                .orElse(4);
    }

    /** Null when healthy (or not a gateway), else why dispatch is unavailable. */
    String problem() {
        if (!roles.dispatchesRemotely()) {
            return null;
        }
        if (dispatcher == null) {
            return failure == null ? "dispatch not connected yet" : "RabbitMQ unreachable (retrying): " + failure;
        }
        return dispatcher.connected() ? null : "RabbitMQ connection lost (reconnecting)";
    }
}
