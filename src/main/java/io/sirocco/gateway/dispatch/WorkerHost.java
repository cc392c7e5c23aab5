package io.sirocco.gateway.dispatch;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;

/**
 * In the worker role, runs the {@link InferenceConsumer} for {@code sirocco.worker.models} on the engines the model registry
 * loads ({@link EngineSource}). On shutdown it stops taking messages and drains before the engines close.
 */
@ApplicationScoped
public class WorkerHost {
    private static final Logger LOG = Logger.getLogger(WorkerHost.class);

    @Inject
    Roles roles;
    @Inject
    Config config;
    @Inject
    Instance<EngineSource> engines;
    @ConfigProperty(name = "sirocco.dispatch.heartbeat", defaultValue = "1s")
    Duration heartbeat;
    @ConfigProperty(name = "sirocco.dispatch.idle-poll", defaultValue = "20ms")
    Duration idlePoll;
    @ConfigProperty(name = "sirocco.worker.drain-timeout", defaultValue = "30s")
    Duration drainTimeout;

    private volatile InferenceConsumer worker;
    private volatile String failure;
    private volatile boolean stopping;
    private Reconnector reconnector;

    void start(@Observes StartupEvent ev) {
        if (roles.role() != Role.WORKER) {
            return;
        }
        if (!engines.isResolvable()) {
            throw new IllegalStateException("sirocco.role=worker needs exactly one EngineSource bean (the model registry)");
        }
        try { // at once if RabbitMQ is there; otherwise the reconnector keeps trying
            connect();
        } catch (IOException | RuntimeException e) {
            org.jboss.logging.Logger.getLogger(getClass()).warnf("%s cannot reach RabbitMQ yet: %s", roles.role(), e.getMessage());
        }
        reconnector = new Reconnector("sirocco-worker-reconnect", this::connected, this::connect);
        reconnector.start();
    }

    private boolean connected() {
        InferenceConsumer w = worker;
        return stopping || w != null && w.healthy();
    }

    /**
     * (Re)connects: a consumer whose connection was lost is closed (RabbitMQ has requeued its unacknowledged
     * messages, and its running generations were cancelled) and a new one takes its place on the same engines.
     */
    private void connect() throws IOException {
        InferenceConsumer old = worker;
        if (old != null) {
            worker = null;
            old.close();
            LOG.warn("worker lost RabbitMQ; reconnecting");
        }
        try {
            InferenceConsumer w = new InferenceConsumer(RabbitSettings.from(config).connect("sirocco-worker", false), engines.get(),
                    roles.workerModels(), heartbeat, idlePoll);
            w.start();
            worker = w;
            failure = null;
            if (old != null) {
                LOG.info("worker reconnected to RabbitMQ");
            }
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage();
            throw e;
        }
    }

    /** Runs before the model registry closes the engines (lower priority value first). */
    void stop(@Observes @Priority(100) ShutdownEvent ev) {
        stopping = true;
        if (reconnector != null) {
            reconnector.stop();
        }
        InferenceConsumer w = worker;
        if (w == null) {
            return;
        }
        try {
            boolean all = w.drain(drainTimeout);
            LOG.infof("worker drained%s", all ? "" : " (timeout: " + w.running() + " generations cut short)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            w.close();
        }
    }

    /** Null when healthy (or not a worker), else why the worker cannot serve. */
    String problem() {
        if (roles.role() != Role.WORKER) {
            return null;
        }
        InferenceConsumer w = worker;
        if (w == null) {
            return failure == null ? "worker not connected yet" : "RabbitMQ unreachable (retrying): " + failure;
        }
        return w.healthy() ? null : "RabbitMQ connection lost (reconnecting)";
    }
}
