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

    <Q, P extends Endpoint.Prepared> void handle(Call call, byte[] body, Endpoint<Q, P> endpoint)
            throws InterruptedException {
        call.refusalParams = endpoint::param;
        authenticate.caller(call);
        Q request = endpoint.validate(body);
        ModelRegistry.Served model = resolve.served(call, endpoint.model(request), endpoint.kind());
        limit.request(call);
        model.engine().info().checkTextLength(endpoint.promptChars(request));
        P prepared = endpoint.prepare(request, model);
        limit.promptTokens(call, prepared.promptTokens());
        if (BatchLines.answeredCheck(call, prepared.promptTokens(), prepared.maxNewTokens())) {
            return;
        }
        Settlement settlement = admit.reserve(call, model.tier().id(), prepared.promptTokens(),
                prepared.maxNewTokens(), endpoint.tags(request));
        try {
            endpoint.run(new Endpoint.Job<>(call, request, prepared, model, settlement, queue));
        } finally {
            settlement.failIfOpen(prepared.promptTokens());
        }
    }
}
