package io.sirocco.gateway;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** Serves every tier from a {@link FakeEngine}; enabled only by {@link FakeEngineProfile}. */
@Alternative
@ApplicationScoped
public class FakeEngineFactory extends EngineFactory {
    /** With {@code sirocco.test.hold-model-loading=true}, loading waits until a test opens this gate. */
    static final CountDownLatch LOAD_GATE = new CountDownLatch(1);

    @ConfigProperty(name = "sirocco.test.hold-model-loading", defaultValue = "false")
    boolean holdLoading;

    @Override
    protected Engine load(String modelId, Path gguf, EngineOptions options) {
        if (holdLoading) {
            try {
                LOAD_GATE.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return new FakeEngine(modelId, 512, modelId.equals("mistral-embed") ? 1024 : 64);
    }

    @Override
    public void writeDemoModels(Path dir) {
        // fake engines need no files
    }
}
