package io.sirocco.gateway.dispatch;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** RabbitMQ dispatch in {@code /q/health}: a gateway or worker without it is not ready; a worker that lost it is not live. */
public final class DispatchHealth {
    private DispatchHealth() {
    }

    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {
        @Inject
        GatewayDispatch gateway;
        @Inject
        WorkerHost worker;
        @Inject
        Roles roles;

        @Override
        public HealthCheckResponse call() {
            String problem = gateway.problem() != null ? gateway.problem() : worker.problem();
            return HealthCheckResponse.named("dispatch").status(problem == null)
                    .withData("role", roles.role().name().toLowerCase())
                    .withData("detail", problem == null ? "ok" : problem).build();
        }
    }

    @Liveness
    @ApplicationScoped
    public static class Live implements HealthCheck {
        @Inject
        GatewayDispatch gateway;
        @Inject
        WorkerHost worker;

        /**
         * Down when restarting is the cure: RabbitMQ was unreachable at start (neither side retries a first
         * connection), or a worker lost its connection (its taken messages are requeued by then). A gateway's
         * connection recovers by itself, so a gateway that is only reconnecting stays live.
         */
        @Override
        public HealthCheckResponse call() {
            String problem = worker.problem() != null ? worker.problem() : gateway.problem();
            boolean fatal = problem != null && (problem.startsWith("RabbitMQ unreachable")
                    || problem.startsWith("RabbitMQ connection lost: restart"));
            return HealthCheckResponse.named("dispatch-connection").status(!fatal)
                    .withData("detail", problem == null ? "ok" : problem).build();
        }
    }
}
