package io.sirocco.gateway;

import io.sirocco.accounts.KeyPrincipal;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The API's request handling for {@code /v1} routes mounted outside this package (files, batch jobs): the same
 * {@code x-request-id}, the same API-key authentication and the same error body as the model endpoints.
 */
@ApplicationScoped
public class ApiRequests {
    @Inject
    Authenticate authenticate;

    /** One request on the API: its id, caller, and its JSON or error answer. */
    public static final class ApiRequest {
        private final Call call;
        private final RoutingContext ctx;

        private ApiRequest(Call call, RoutingContext ctx) {
            this.call = call;
            this.ctx = ctx;
        }

        public String requestId() {
            return call.requestId;
        }

        public RoutingContext context() {
            return ctx;
        }

        public KeyPrincipal caller() {
            return call.key;
        }

        /** Sends a complete JSON answer. */
        public void json(int status, Object body) {
            call.json(status, body);
        }

        /** Answers with the API's error body for any failure (an {@link ApiError} as it is; others as a logged 500). */
        public void fail(Throwable t) {
            ErrorResponses.send(call, t);
        }
    }

    /** Starts handling a request: sets its {@code x-request-id}. */
    public ApiRequest open(RoutingContext ctx) {
        return new ApiRequest(Call.http(ctx), ctx);
    }

    /** The caller's API key ({@code Authorization: Bearer …}), else an {@link ApiError} 401. */
    public KeyPrincipal authenticate(ApiRequest request) {
        return authenticate.caller(request.call);
    }
}
