package io.sirocco.gateway;

import io.sirocco.engine.EngineOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.file.Path;
import java.util.Optional;

/** One model's settings: its own entry in {@link ModelsConfig}, else the defaults. */
@ApplicationScoped
public class ModelSettings {
    @Inject
    ModelsConfig config;
    @ConfigProperty(name = "sirocco.data-dir", defaultValue = "data")
    Path dataDir;

    /** One model's settings. */
    public record Tier(Path path, EngineOptions engine, int queueCapacity, int dispatchInFlight) {
    }

    public Tier of(String id) {
        ModelsConfig.Defaults d = config.defaults();
        Optional<ModelsConfig.PerModel> own = Optional.ofNullable(config.model().get(id));
        EngineOptions engine = new EngineOptions(
                own.flatMap(ModelsConfig.PerModel::threads).orElse(d.threads()),
                own.flatMap(ModelsConfig.PerModel::maxSequences).orElse(d.maxSequences()),
                own.flatMap(ModelsConfig.PerModel::kvCacheTokens).orElse(d.kvCacheTokens()),
                own.flatMap(ModelsConfig.PerModel::maxContext).orElse(d.maxContext()),
                own.flatMap(ModelsConfig.PerModel::useNative).orElse(d.useNative()),
                own.flatMap(ModelsConfig.PerModel::prefixCacheTokens).orElse(d.prefixCacheTokens()),
                own.flatMap(ModelsConfig.PerModel::backgroundPerStep).orElse(d.backgroundPerStep()));
        Path path = own.flatMap(ModelsConfig.PerModel::path).map(Path::of)
                .orElse(dataDir.resolve("models").resolve(id + ".gguf"));
        return new Tier(path, engine, own.flatMap(ModelsConfig.PerModel::queueCapacity).orElse(d.queueCapacity()),
                own.flatMap(ModelsConfig.PerModel::dispatchInFlight).orElse(d.dispatchInFlight()));
    }

    public boolean writeDemo() {
        return config.writeDemo();
    }

    public Path dataDir() {
        return dataDir;
    }
}
