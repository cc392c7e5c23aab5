package io.sirocco.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;

/**
 * A request must arrive whole within {@code sirocco.http.body-timeout} of its start: a client that sends headers
 * and then trickles (or stops sending) its body is answered 408 and disconnected, before any authentication, so
 * partial bodies cannot hold connections open. Streaming responses are not limited: the timer only looks at the
 * request, and is cancelled when the response ends.
 */
@ApplicationScoped
public class BodyTimeout {

    @ConfigProperty(name = "sirocco.http.body-timeout", defaultValue = "60s")
    Duration timeout;

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 1).handler(this::arm);
    }

    private void arm(RoutingContext rc) {
        if (!rc.request().isEnded()) {
            long timer = rc.vertx().setTimer(timeout.toMillis(), id -> expire(rc));
            rc.addEndHandler(v -> rc.vertx().cancelTimer(timer));
        }
        rc.next();
    }

    private void expire(RoutingContext rc) {
        if (rc.request().isEnded()) {
            return;
        }
        if (!rc.response().headWritten()) {
            String message = "The request body did not arrive within " + timeout.toSeconds() + " s.";
            rc.response().setStatusCode(408).putHeader("Content-Type", "application/json").putHeader("Connection", "close")
                    .end(new io.vertx.core.json.JsonObject().put("object", "error")
                            .put("error", new io.vertx.core.json.JsonObject().put("message", message)
                                    .put("type", "invalid_request_error").putNull("param").put("code", "request_timeout"))
                            .put("message", message).put("type", "invalid_request_error").encode());
        }
        rc.request().connection().close();
    }
}
