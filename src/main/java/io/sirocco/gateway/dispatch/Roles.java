package io.sirocco.gateway.dispatch;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;

import java.util.Arrays;
import java.util.List;

/**
 * This JVM's role and, for a worker, its models. The model registry asks {@link #loadsModel} before loading a
 * tier; the gateway asks {@link #dispatchesRemotely} to choose between its local engines and RabbitMQ.
 */
@ApplicationScoped
public class Roles {
    private final Role role;
    private final List<String> workerModels;

    @Inject
    public Roles(Config config) {
        this(Role.parse(config.getOptionalValue("sirocco.role", String.class).orElse("all")),
                config.getOptionalValue("sirocco.worker.models", String.class).orElse(""));
    }

    public Roles(Role role, String workerModels) {
        this.role = role;
        this.workerModels = Arrays.stream(workerModels.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (role == Role.WORKER && this.workerModels.isEmpty()) {
            throw new IllegalArgumentException("sirocco.role=worker needs sirocco.worker.models (SIROCCO_WORKER_MODELS): "
                    + "the comma-separated model ids this worker serves");
        }
    }

    public Role role() {
        return role;
    }

    /** The models a worker serves (empty unless the role is worker). */
    public List<String> workerModels() {
        return role == Role.WORKER ? workerModels : List.of();
    }

    /** Whether this JVM maps and serves model {@code id}: every model in {@code all}, its own in {@code worker}. */
    public boolean loadsModel(String id) {
        return switch (role) {
            case ALL -> true;
            case WORKER -> workerModels.contains(id);
            case GATEWAY, MIGRATE -> false;
        };
    }

    /** True for a gateway: requests go to workers through RabbitMQ rather than to an engine in this JVM. */
    public boolean dispatchesRemotely() {
        return role == Role.GATEWAY;
    }
}
