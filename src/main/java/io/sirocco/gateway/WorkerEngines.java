package io.sirocco.gateway;

import io.sirocco.engine.Engine;
import io.sirocco.gateway.dispatch.EngineSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** The engines a scale-out worker serves: those the model registry loaded, with their batch slots. */
@ApplicationScoped
public class WorkerEngines implements EngineSource {
    @Inject
    ModelRegistry registry;
    @Inject
    ModelSettings settings;

    @Override
    public Engine engine(String model) {
        return registry.get(model).map(ModelRegistry.Served::engine).orElse(null);
    }

    @Override
    public int slots(String model) {
        return settings.of(model).engine().maxSequences();
    }
}
