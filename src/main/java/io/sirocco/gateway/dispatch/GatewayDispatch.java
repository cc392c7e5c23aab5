package io.sirocco.gateway.dispatch;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

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
    private static final Logger LOG = Logger.getLogger(GatewayDispatch.class);

    @Inject
    Roles roles;
    @Inject
    Config config;
    @ConfigProperty(name = "sirocco.dispatch.stall-timeout", defaultValue = "10s")
    Duration stallTimeout;

    private volatile Dispatcher dispatcher;
    private volatile String failure;

    void start(@Observes StartupEvent ev) {
        if (!roles.dispatchesRemotely()) {
            return;
        }
        String id = config.getOptionalValue("sirocco.dispatch.gateway-id", String.class)
                .orElseGet(() -> System.getenv().getOrDefault("HOSTNAME", "gateway") + "-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            Dispatcher d = new Dispatcher(RabbitSettings.from(config).connect("sirocco-gateway-" + id, true), id, stallTimeout);
            d.start();
            dispatcher = d;
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage();
            LOG.errorf(e, "gateway could not reach RabbitMQ: %s", e.getMessage());
        }
    }

    void stop(@Observes ShutdownEvent ev) {
        Dispatcher d = dispatcher;
        if (d != null) {
            d.close();
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
            return failure == null ? "dispatch not started" : "RabbitMQ unreachable: " + failure;
        }
        return dispatcher.connected() ? null : "RabbitMQ connection lost (reconnecting)";
    }
}
