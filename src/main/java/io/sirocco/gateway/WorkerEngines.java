package io.sirocco.gateway;

import io.sirocco.engine.Engine;
import io.sirocco.gateway.dispatch.EngineSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;

/** The engines a scale-out worker serves: those the model registry loaded, with their batch slots. */
@ApplicationScoped
public class WorkerEngines implements EngineSource {
    @Inject
    ModelRegistry registry;
    @Inject
    Config config;

    @Override
    public Engine engine(String model) {
        return registry.get(model).map(ModelRegistry.Served::engine).orElse(null);
    }

    @Override
    public int slots(String model) {
        return config.getOptionalValue("sirocco.models." + model + ".max-sequences", Integer.class)
                .or(() -> config.getOptionalValue("sirocco.models.max-sequences", Integer.class))
                .orElse(8);
    }
}
