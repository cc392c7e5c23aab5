package io.sirocco.gateway;

import io.quarkus.test.common.http.TestHTTPResource;
import io.sirocco.gateway.TestKeys.Key;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.awaitility.Awaitility.await;

/** What the /v1 tests share: fresh keys, the model registry, the server's address, and models loaded first. */
abstract class ApiTestBase {
    @Inject
    TestKeys keys;
    @Inject
    ModelRegistry registry;
    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void modelsReady() {
        await().atMost(Duration.ofSeconds(120)).until(registry::ready);
    }

    /** A JSON POST with the key's bearer, for java.net.http (exact bytes, async sends). */
    HttpRequest jsonPost(Key key, String path, byte[] body, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", key.bearer()).header("Content-Type", "application/json")
                .timeout(timeout).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    HttpRequest jsonPost(Key key, String path, String body, Duration timeout) {
        return jsonPost(key, path, body.getBytes(StandardCharsets.UTF_8), timeout);
    }
}
