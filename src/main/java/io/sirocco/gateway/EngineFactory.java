package io.sirocco.gateway;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.demo.DemoModels;
import io.sirocco.engine.runtime.LocalEngine;
import io.sirocco.engine.runtime.TextModel;
import io.sirocco.gateway.dispatch.GatewayDispatch;
import io.sirocco.gateway.dispatch.RemoteEngine;
import io.sirocco.gateway.dispatch.Roles;
import io.sirocco.templates.JinjaTemplates;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Opens engines and writes the demo models: the one seam between the gateway and model files, and the one place
 * that knows this JVM's role. Whatever it opens, the rest of the gateway sees an {@link Engine}.
 */
@ApplicationScoped
public class EngineFactory {
    private static final Logger LOG = Logger.getLogger(EngineFactory.class);

    @Inject
    Roles roles;
    @Inject
    GatewayDispatch dispatch;
    @Inject
    GatewayConfig gateway;
    @Inject
    ModelSettings settings;
    /** Compiles the chat templates that GGUF files carry (Jinja). */
    private final JinjaTemplates templates = new JinjaTemplates();

    /** An opened engine and how many of its requests may run at once (the tier queue's slots). */
    public record Opened(Engine engine, int concurrency) {
    }

    /**
     * The engine serving {@code modelId} in this JVM, or empty when this JVM does not serve it: a worker serves only
     * its own models, and a scale-out gateway only those whose file it has (for their tokenizer; workers generate).
     */
    public Optional<Opened> open(String modelId, Path gguf, EngineOptions options) {
        if (roles.dispatchesRemotely()) {
            if (!Files.isRegularFile(gguf)) {
                LOG.warnf("%s: no model file at %s, so no workers serve it here; its requests answer 503", modelId, gguf);
                return Optional.empty();
            }
            // the queue admits up to dispatch-in-flight requests; the workers batch them
            return Optional.of(new Opened(new RemoteEngine(modelId, TextModel.readHeader(gguf, options, templates),
                    dispatch::dispatcher, gateway.queue().timeout(), dispatch.priorityOf("default")),
                    settings.of(modelId).dispatchInFlight()));
        }
        if (!roles.loadsModel(modelId)) {
            return Optional.empty();
        }
        return Optional.of(new Opened(load(modelId, gguf, options), options.maxSequences()));
    }

    /** Maps the model in this JVM. */
    protected Engine load(String modelId, Path gguf, EngineOptions options) {
        return LocalEngine.open(gguf, options, templates);
    }

    /**
     * The engine for batch lines: the lowest queue priority when scaled out (waiting up to {@link #BATCH_WAIT} for a
     * worker), the engine's background queue in this JVM.
     */
    public Engine forBatch(Engine engine) {
        return engine.queuedAs(0, BATCH_WAIT).background();
    }

    /** How long a batch line may wait for a worker before it is put back for a later try. */
    static final java.time.Duration BATCH_WAIT = java.time.Duration.ofMinutes(10);

    /** Writes the project's seeded demo models into {@code dir} where they are missing. */
    public void writeDemoModels(Path dir) {
        DemoModels.writeIfMissing(dir);
    }
}
