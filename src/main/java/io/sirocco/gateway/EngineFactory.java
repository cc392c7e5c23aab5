package io.sirocco.gateway;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.demo.DemoModels;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.file.Path;

/** Opens engines and writes the demo models: the one seam between the gateway and model files. */
@ApplicationScoped
public class EngineFactory {
    public Engine open(String modelId, Path gguf, EngineOptions options) {
        return Engine.load(gguf, options);
    }

    /** Writes the project's seeded demo models into {@code dir} where they are missing. */
    public void writeDemoModels(Path dir) {
        DemoModels.writeIfMissing(dir);
    }
}
