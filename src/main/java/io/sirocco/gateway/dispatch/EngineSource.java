package io.sirocco.gateway.dispatch;

import io.sirocco.engine.Engine;

/** Where a worker finds its engines: the model registry in the service, a fixed map in tests. */
public interface EngineSource {
    /** The loaded engine serving {@code model}, or null while it is still loading. */
    Engine engine(String model);

    /** Sequences the engine runs at once (its batch slots): the most messages the worker takes at a time. */
    int slots(String model);
}
