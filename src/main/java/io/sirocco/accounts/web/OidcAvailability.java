package io.sirocco.accounts.web;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Whether Keycloak's discovery document answers; probed asynchronously, result kept for a few seconds. */
@ApplicationScoped
public class OidcAvailability {
    private static final Duration KEEP = Duration.ofSeconds(5);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    @ConfigProperty(name = "quarkus.oidc.auth-server-url")
    String authServerUrl;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private volatile boolean lastUp = true;
    private volatile long checkedAt = Long.MIN_VALUE;

    /** Completes with true when Keycloak answered (now or within the last few seconds). Never fails. */
    public CompletableFuture<Boolean> isUp() {
        if (checkedAt != Long.MIN_VALUE && System.nanoTime() - checkedAt < KEEP.toNanos()) {
            return CompletableFuture.completedFuture(lastUp);
        }
        HttpRequest probe = HttpRequest.newBuilder(URI.create(authServerUrl.replaceAll("/+$", "")
                + "/.well-known/openid-configuration")).timeout(TIMEOUT).GET().build();
        return http.sendAsync(probe, HttpResponse.BodyHandlers.discarding())
                .handle((r, e) -> {
                    lastUp = e == null && r.statusCode() == 200;
                    checkedAt = System.nanoTime();
                    return lastUp;
                });
    }
}
