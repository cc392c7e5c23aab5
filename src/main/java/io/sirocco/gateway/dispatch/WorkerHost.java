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

    void start(@Observes StartupEvent ev) {
        if (roles.role() != Role.WORKER) {
            return;
        }
        if (!engines.isResolvable()) {
            throw new IllegalStateException("sirocco.role=worker needs exactly one EngineSource bean (the model registry)");
        }
        try {
            InferenceConsumer w = new InferenceConsumer(RabbitSettings.from(config).connect("sirocco-worker", false), engines.get(),
                    roles.workerModels(), heartbeat, idlePoll);
            w.start();
            worker = w;
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage();
            LOG.errorf(e, "worker could not reach RabbitMQ: %s", e.getMessage());
        }
    }

    /** Runs before the model registry closes the engines (lower priority value first). */
    void stop(@Observes @Priority(100) ShutdownEvent ev) {
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
        if (worker == null) {
            return failure == null ? "worker not started" : "RabbitMQ unreachable: " + failure;
        }
        return worker.healthy() ? null : "RabbitMQ connection lost: restart to requeue and resume";
    }
}
