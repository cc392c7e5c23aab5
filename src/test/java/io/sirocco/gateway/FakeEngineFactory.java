package io.sirocco.gateway;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import java.nio.file.Path;

/** Serves every tier from a {@link FakeEngine}; enabled only by {@link FakeEngineProfile}. */
@Alternative
@ApplicationScoped
public class FakeEngineFactory extends EngineFactory {
    @Override
    public Engine open(String modelId, Path gguf, EngineOptions options) {
        return new FakeEngine(modelId, 512, modelId.equals("mistral-embed") ? 1024 : 64);
    }

    @Override
    public boolean writeDemoModels(Path dir) {
        return true;
    }
}
