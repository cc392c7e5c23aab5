package io.sirocco.http;

import io.quarkus.vertx.http.runtime.security.SecurityHandlerPriorities;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;

/**
 * A request body must arrive whole within {@code sirocco.http.body-timeout} of the server being ready to read it: a
 * client that sends headers and then trickles (or stops sending) its body is answered 408 and disconnected, so
 * partial bodies cannot hold connections open. Streaming responses are not limited: the timer only looks at the
 * request, and is cancelled when the response ends.
 * <p>
 * When the server is ready depends on the route. {@code /v1} (and {@code /logout}) are served by our own handlers
 * ahead of Quarkus' security, which read at once: their clock starts with the request. Every other route first waits
 * for Quarkus' authentication (a session check, perhaps a token refresh at Keycloak), during which the server reads
 * nothing; its clock stops there ({@link #BEFORE_SECURITY}) and starts again once authentication is done
 * ({@link #AFTER_AUTHENTICATION}), so a whole body that waited on a busy server is never answered 408.
 */
@ApplicationScoped
public class BodyTimeout {
    /**
     * Just before Quarkus' security filters (CORS -300, authentication -200, authorization -100: order = -priority).
     * A request that gets here was not read by our own handlers ahead of them ({@code /v1}, {@code /logout}).
     */
    static final int BEFORE_SECURITY = -1 * SecurityHandlerPriorities.CORS - 1;
    /** After Quarkus' authentication and authorization, before the REST handlers (default order 10000). */
    static final int AFTER_AUTHENTICATION = -50;
    private static final String TIMER = "sirocco.body-timer";

    @ConfigProperty(name = "sirocco.http.body-timeout", defaultValue = "60s")
    Duration timeout;

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 1).handler(this::arm);
        router.route().order(BEFORE_SECURITY).handler(this::pause);
        router.route().order(AFTER_AUTHENTICATION).handler(this::arm);
    }

    /** The server reads nothing while Quarkus authenticates: the clock stops until {@link #AFTER_AUTHENTICATION}. */
    private void pause(RoutingContext rc) {
        Long timer = rc.get(TIMER);
        if (timer != null) {
            rc.vertx().cancelTimer(timer);
        }
        rc.next();
    }

    /** (Re)starts the request's clock: the body has the whole timeout from now. */
    private void arm(RoutingContext rc) {
        allow(rc, timeout);
        rc.next();
    }

    /**
     * Gives the body {@code allowed} from now to arrive instead (on the request's event loop), for a route that
     * expects large bodies: file uploads ({@code sirocco.batch.upload-min-rate}).
     */
    public void allow(RoutingContext rc, Duration allowed) {
        if (!rc.request().isEnded() && announcesBody(rc.request()) && !rc.response().ended()) {
            Long previous = rc.get(TIMER);
            if (previous != null) {
                rc.vertx().cancelTimer(previous);
            } else {
                rc.addEndHandler(v -> {
                    Long t = rc.get(TIMER);
                    if (t != null) {
                        rc.vertx().cancelTimer(t);
                    }
                });
            }
            rc.put(TIMER, rc.vertx().setTimer(allowed.toMillis(), id -> expire(rc, allowed)));
        }
    }

    /** The body timeout: the least time any request body has. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Only a request that announces a body is timed: one without Content-Length or Transfer-Encoding has none (a
     * GET upgraded to HTTP/2 with h2c may never report its end, and must not be answered 408 while it runs).
     */
    private static boolean announcesBody(io.vertx.core.http.HttpServerRequest req) {
        String length = req.getHeader("content-length");
        return (length != null && !length.strip().equals("0")) || req.getHeader("transfer-encoding") != null
                || req.version() == io.vertx.core.http.HttpVersion.HTTP_2 && !req.isEnded()
                && (req.method() == io.vertx.core.http.HttpMethod.POST || req.method() == io.vertx.core.http.HttpMethod.PUT
                || req.method() == io.vertx.core.http.HttpMethod.PATCH);
    }

    private void expire(RoutingContext rc, Duration allowed) {
        if (rc.request().isEnded() || rc.response().ended()) {
            return;
        }
        if (!rc.response().headWritten()) {
            String message = "The request body did not arrive within " + allowed.toSeconds() + " s.";
            rc.response().setStatusCode(408).putHeader("Content-Type", "application/json");
            if (rc.request().version() != io.vertx.core.http.HttpVersion.HTTP_2) { // a connection header is illegal there
                rc.response().putHeader("Connection", "close");
            }
            rc.response()
                    .end(new io.vertx.core.json.JsonObject().put("object", "error")
                            .put("error", new io.vertx.core.json.JsonObject().put("message", message)
                                    .put("type", "invalid_request_error").putNull("param").put("code", "request_timeout"))
                            .put("message", message).put("type", "invalid_request_error").encode());
        }
        rc.request().connection().close();
    }
}
