package io.sirocco.gateway;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which GGUF file serves which model id. At startup it writes the demo models if missing, then loads every
 * tier on a background thread; until all are loaded the service is not ready and {@code /v1} answers 503.
 */
@ApplicationScoped
public class ModelRegistry {
    private static final Logger LOG = Logger.getLogger(ModelRegistry.class);

    /** A loaded tier: its engine and the queue in front of it. */
    public record Served(ModelTier tier, Engine engine, TierQueue queue, Path path, EngineOptions options) {
    }

    @Inject
    Config config;
    @Inject
    EngineFactory engines;
    @Inject
    GatewayMetrics metrics;
    @Inject
    io.sirocco.gateway.dispatch.Roles roles;

    private final Map<String, Served> served = new LinkedHashMap<>();
    private volatile boolean allLoaded;
    private volatile String failure;

    void start(@Observes StartupEvent ev) {
        Thread.ofPlatform().name("sirocco-model-loader").daemon().start(this::loadAll);
    }

    void stop(@Observes ShutdownEvent ev) {
        synchronized (served) {
            served.values().forEach(s -> s.engine().close());
            served.clear();
        }
    }

    private void loadAll() {
        try {
            if (config.getOptionalValue("sirocco.models.write-demo", Boolean.class).orElse(true)) {
                Path dir = dataDir().resolve("models");
                long t0 = System.nanoTime();
                engines.writeDemoModels(dir);
                LOG.infof("demo models present in %s (%d ms)", dir, (System.nanoTime() - t0) / 1_000_000);
            }
            for (ModelTier tier : ModelTier.ALL) {
                if (!roles.loadsModel(tier.id()) && !roles.dispatchesRemotely()) {
                    continue; // scale-out worker: only its own models (sirocco.worker.models)
                }
                Path path = pathOf(tier.id());
                if (roles.dispatchesRemotely() && !java.nio.file.Files.isRegularFile(path)) {
                    // Scale-out gateway: a tier whose file is not mounted here has no workers in this deployment.
                    LOG.warnf("%s: no model file at %s, so no workers serve it here; its requests answer 503",
                            tier.id(), path);
                    continue;
                }
                EngineOptions options = optionsOf(tier.id());
                long t0 = System.nanoTime();
                Engine engine = engines.open(tier.id(), path, options);
                // A gateway's engines are remote: its queue admits up to dispatch-in-flight, workers batch.
                int concurrency = roles.dispatchesRemotely() ? intSetting(tier.id(), "dispatch-in-flight", 256)
                        : options.maxSequences();
                TierQueue queue = new TierQueue(concurrency, intSetting(tier.id(), "queue-capacity", 64));
                metrics.registerQueue(tier.id(), queue, engine);
                synchronized (served) {
                    served.put(tier.id(), new Served(tier, engine, queue, path, options));
                }
                LOG.infof("loaded %s from %s in %d ms (%s)", tier.id(), path, (System.nanoTime() - t0) / 1_000_000,
                        engine.info());
            }
            allLoaded = true;
        } catch (RuntimeException | Error e) {
            failure = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.errorf(e, "loading the models failed: %s", failure);
        }
    }

    /** The path serving a tier: {@code sirocco.models.<id>.path}, else {@code <data-dir>/models/<id>.gguf}. */
    public Path pathOf(String id) {
        return config.getOptionalValue("sirocco.models." + id + ".path", String.class).map(Path::of)
                .orElse(dataDir().resolve("models").resolve(id + ".gguf"));
    }

    private Path dataDir() {
        return Path.of(config.getOptionalValue("sirocco.data-dir", String.class).orElse("data"));
    }

    private EngineOptions optionsOf(String id) {
        EngineOptions d = EngineOptions.defaults();
        return new EngineOptions(intSetting(id, "threads", d.threads()), intSetting(id, "max-sequences", d.maxSequences()),
                intSetting(id, "kv-cache-tokens", d.kvCacheTokens()), intSetting(id, "max-context", d.maxContext()),
                config.getOptionalValue("sirocco.models." + id + ".use-native", Boolean.class)
                        .or(() -> config.getOptionalValue("sirocco.models.use-native", Boolean.class))
                        .orElse(d.useNative()),
                intSetting(id, "prefix-cache-tokens", d.prefixCacheTokens()));
    }

    /** {@code sirocco.models.<id>.<name>}, else {@code sirocco.models.<name>}, else the default. */
    private int intSetting(String id, String name, int fallback) {
        return config.getOptionalValue("sirocco.models." + id + "." + name, Integer.class)
                .or(() -> config.getOptionalValue("sirocco.models." + name, Integer.class))
                .orElse(fallback);
    }

    public boolean ready() {
        return allLoaded;
    }

    /** Why the models are not ready: still loading, or the load failure. */
    public String notReadyReason() {
        return failure != null ? "model loading failed: " + failure : "models are loading";
    }

    public boolean failed() {
        return failure != null;
    }

    public Optional<Served> get(String id) {
        synchronized (served) {
            return Optional.ofNullable(served.get(id));
        }
    }
}
