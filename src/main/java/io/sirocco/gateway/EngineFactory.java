package io.sirocco.gateway;

import io.sirocco.accounts.KeyPrincipal;
import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.runtime.LocalEngine;
import io.sirocco.engine.demo.DemoModels;
import io.sirocco.gateway.dispatch.GatewayDispatch;
import io.sirocco.gateway.dispatch.RemoteEngine;
import io.sirocco.gateway.dispatch.Roles;
import io.sirocco.templates.JinjaTemplates;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.file.Path;
import java.time.Duration;

/** Opens engines and writes the demo models: the one seam between the gateway and model files. */
@ApplicationScoped
public class EngineFactory {
    @Inject
    Roles roles;
    @Inject
    GatewayDispatch dispatch;
    @ConfigProperty(name = "sirocco.gateway.queue.timeout", defaultValue = "30s")
    Duration queueTimeout;
    /** Compiles the chat templates that GGUF files carry (Jinja). */
    private final JinjaTemplates templates = new JinjaTemplates();

    /** In the gateway role (scale-out) the engine is remote: the file's tokenizer here, generation on workers. */
    public Engine open(String modelId, Path gguf, EngineOptions options) {
        if (roles.dispatchesRemotely()) {
            return RemoteEngine.open(modelId, gguf, options, dispatch::dispatcher, queueTimeout,
                    dispatch.priorityOf("default"), templates);
        }
        return LocalEngine.open(gguf, options, templates);
    }

    /** The engine to run a caller's request on: scaled out, its queue priority is the caller's plan's. */
    public Engine forCaller(Engine engine, KeyPrincipal caller) {
        return engine instanceof RemoteEngine remote ? remote.withPriority(dispatch.priorityOf(caller.plan())) : engine;
    }

    /** Writes the project's seeded demo models into {@code dir} where they are missing. */
    public void writeDemoModels(Path dir) {
        DemoModels.writeIfMissing(dir);
    }
}
