package io.sirocco.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The one path of every model request: authenticate → validate → resolve the model → limit → admit (reserve the
 * budget) → queue → run → settle. Each step is its own type; an {@link Endpoint} says only what differs. A live
 * request and a batch line ({@link BatchLines}) take the same path; a batch line's {@link Call} says so.
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

    /** A request through step 4: valid, its model resolved, within its limits, its tokens counted. */
    private record Ready<Q, P>(Q request, ModelRegistry.Served model, P prepared) {
    }

    /** Runs the whole path; the endpoint answers the call. */
    <Q, P extends Endpoint.Prepared> void handle(Call call, byte[] body, Endpoint<Q, P> endpoint)
            throws InterruptedException {
        Ready<Q, P> ready = prepare(call, body, endpoint);
        Settlement settlement = admit.reserve(call, ready.model().tier().id(), ready.prepared().promptTokens(),
                ready.prepared().maxNewTokens(), endpoint.tags(ready.request()));
        P prepared = ready.prepared();
        try {
            endpoint.run(new Endpoint.Job<>(call, ready.request(), prepared, ready.model(), settlement, queue));
        } finally {
            settlement.failIfOpen(prepared.promptTokens());
        }
    }

    /**
     * Steps 1–4 only: what the request would be admitted for, or the refusal the live path would give. Nothing is
     * reserved and no token is generated (a batch job's lines are checked this way before the job is accepted).
     */
    <Q, P extends Endpoint.Prepared> Endpoint.Prepared check(Call call, byte[] body, Endpoint<Q, P> endpoint) {
        return prepare(call, body, endpoint).prepared();
    }

    private <Q, P extends Endpoint.Prepared> Ready<Q, P> prepare(Call call, byte[] body, Endpoint<Q, P> endpoint) {
        call.refusalParams = endpoint.shape()::param;
        authenticate.caller(call);
        Q request = endpoint.validate(body);
        ModelRegistry.Served model = resolve.served(call, endpoint.model(request), endpoint.shape().kind());
        limit.request(call);
        model.engine().info().checkTextLength(endpoint.promptChars(request));
        P prepared = endpoint.prepare(request, model);
        limit.promptTokens(call, prepared.promptTokens());
        return new Ready<>(request, model, prepared);
    }
}
