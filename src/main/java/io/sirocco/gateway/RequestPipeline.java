package io.sirocco.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The one path of every model request: authenticate → validate → resolve the model → limit → admit (reserve the
 * budget) → queue → run → settle. Each step is its own type; an {@link Endpoint} says only what differs.
 */
@ApplicationScoped
public class RequestPipeline {
    @Inject
    Authenticate authenticate;
    @Inject
    ResolveModel resolve;
    @Inject
    Limit limit;
    @Inject
    Admit admit;
    @Inject
    Queue queue;
    @Inject
    AdmissionGate gate;

    <Q, P extends Endpoint.Prepared> void handle(Call call, byte[] body, Endpoint<Q, P> endpoint)
            throws InterruptedException {
        call.refusalParams = endpoint::param;
        Q request;
        ModelRegistry.Served model;
        P prepared;
        Settlement settlement;
        // The database steps (key, rate limits, budget) hold a place at the gate; batch lines have their own pace.
        try (AdmissionGate.Pass pass = BatchLines.claims(call) ? () -> { } : gate.enter()) {
            authenticate.caller(call);
            request = endpoint.validate(body);
            model = resolve.served(call, endpoint.model(request), endpoint.kind());
            limit.request(call);
            model.engine().info().checkTextLength(endpoint.promptChars(request));
            prepared = endpoint.prepare(request, model);
            limit.promptTokens(call, prepared.promptTokens());
            if (BatchLines.answeredCheck(call, prepared.promptTokens(), prepared.maxNewTokens())) {
                return;
            }
            settlement = admit.reserve(call, model.tier().id(), prepared.promptTokens(),
                    prepared.maxNewTokens(), endpoint.tags(request));
        }
        try {
            endpoint.run(new Endpoint.Job<>(call, request, prepared, model, settlement, queue));
        } finally {
            settlement.failIfOpen(prepared.promptTokens());
        }
    }
}
