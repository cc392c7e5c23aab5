package io.sirocco.gateway.dispatch;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * RabbitMQ dispatch in {@code /q/health}: a gateway or worker without it is not ready. There is no liveness check for
 * it: both roles reconnect by themselves ({@link Reconnector}), so a restart would not help.
 */
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
}
