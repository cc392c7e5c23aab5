package io.sirocco.engine.runtime;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineException;
import io.sirocco.engine.EngineOptions;

import java.nio.file.Path;

/** Placeholder until the engine lands (issue 2): replaced by the real implementation. */
public final class LocalEngine {
    private LocalEngine() {
    }

    public static Engine open(Path gguf, EngineOptions options) {
        throw new EngineException(gguf + ": engine not implemented yet");
    }
}
