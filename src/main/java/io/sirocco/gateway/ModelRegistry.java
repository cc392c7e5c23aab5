package io.sirocco.gateway;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sirocco.engine.Engine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
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
    public record Served(ModelTier tier, Engine engine, TierQueue queue) {
    }

    @Inject
    ModelSettings settings;
    @Inject
    EngineFactory engines;
    @Inject
    GatewayMetrics metrics;

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
            if (settings.writeDemo()) {
                Path dir = settings.dataDir().resolve("models");
                long t0 = System.nanoTime();
                engines.writeDemoModels(dir);
                LOG.infof("demo models present in %s (%d ms)", dir, (System.nanoTime() - t0) / 1_000_000);
            }
            for (ModelTier tier : ModelTier.ALL) {
                ModelSettings.Tier s = settings.of(tier.id());
                long t0 = System.nanoTime();
                engines.open(tier.id(), s.path(), s.engine()).ifPresent(opened -> {
                    TierQueue queue = new TierQueue(opened.concurrency(), s.queueCapacity());
                    metrics.registerQueue(tier.id(), queue, opened.engine());
                    synchronized (served) {
                        served.put(tier.id(), new Served(tier, opened.engine(), queue));
                    }
                    LOG.infof("loaded %s from %s in %d ms (%s)", tier.id(), s.path(),
                            (System.nanoTime() - t0) / 1_000_000, opened.engine().info());
                });
            }
            allLoaded = true;
        } catch (RuntimeException | Error e) {
            failure = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.errorf(e, "loading the models failed: %s", failure);
        }
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
