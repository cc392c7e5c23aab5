package io.sirocco.gateway.dispatch;

import io.sirocco.engine.EngineException;

/** Why a dispatched generation ended without the worker finishing it: the gateway maps it to an API status. */
public final class DispatchException extends EngineException {
    private final RemoteResult.Outcome outcome;

    public DispatchException(RemoteResult.Outcome outcome, String message) {
        super(message);
        this.outcome = outcome;
    }

    /** QUEUE_TIMEOUT (429: no worker free in time), WORKER_LOST (503: its worker died) or REJECTED (422). */
    public RemoteResult.Outcome outcome() {
        return outcome;
    }
}
