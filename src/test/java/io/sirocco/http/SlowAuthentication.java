package io.sirocco.http;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;

/**
 * Test only: a request with {@value #HEADER} waits, after Quarkus' authentication and before the REST handlers,
 * for the body timeout plus {@value #EXTRA_MS} ms, as a request does on a loaded server whose authentication is slow.
 * The server reads nothing meanwhile; {@link BodyTimeoutTest} checks that a whole body is not answered 408 for it.
 */
@ApplicationScoped
public class SlowAuthentication {
    static final String HEADER = "x-test-slow-authentication";
    static final long EXTRA_MS = 1_500;

    @ConfigProperty(name = "sirocco.http.body-timeout")
    Duration timeout;

    void install(@Observes Router router) {
        router.route().order(-150).handler(rc -> {
            if (rc.request().getHeader(HEADER) == null) {
                rc.next();
                return;
            }
            rc.vertx().setTimer(timeout.toMillis() + EXTRA_MS, id -> rc.next());
        });
    }
}
