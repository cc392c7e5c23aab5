package io.sirocco.gateway;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import jakarta.enterprise.context.ApplicationScoped;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;

/** Opens engines and writes the demo models: the one seam between the gateway and model files. */
@ApplicationScoped
public class EngineFactory {
    static final String DEMO_MODELS = "io.sirocco.engine.demo.DemoModels";

    public Engine open(String modelId, Path gguf, EngineOptions options) {
        return Engine.load(gguf, options);
    }

    /**
     * Writes the project's seeded demo models into {@code dir} where they are missing
     * ({@code DemoModels.writeIfMissing}). Returns false when this build has no demo models.
     */
    public boolean writeDemoModels(Path dir) {
        try {
            Class<?> demo = Class.forName(DEMO_MODELS);
            demo.getMethod("writeIfMissing", Path.class).invoke(null, dir);
            return true;
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            return false;
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("could not write the demo models into " + dir + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("DemoModels.writeIfMissing is not accessible", e);
        }
    }
}
