package io.sirocco.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** {@code /q/health/ready} is DOWN until every model tier is loaded. */
@Readiness
@ApplicationScoped
public class ModelsReadiness implements HealthCheck {
    @Inject
    ModelRegistry models;

    @Override
    public HealthCheckResponse call() {
        return models.ready()
                ? HealthCheckResponse.named("models").up().build()
                : HealthCheckResponse.named("models").down().withData("reason", models.notReadyReason()).build();
    }
}
