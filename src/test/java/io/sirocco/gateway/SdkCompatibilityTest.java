package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The official SDKs, unchanged (npm {@code openai} 7.x and {@code @mistralai/mistralai} 2.x), run from
 * {@code src/test/js/sdk/sdk-test.mjs} against this test's server: chat, streaming, embeddings in both
 * encodings, models and the error types. {@code ./sirocco test} installs the suite ({@code npm ci}) first.
 */
@QuarkusTest
@TestProfile(ApiProfile.class)
class SdkCompatibilityTest extends ApiTestBase {
    static final Path SUITE = Path.of("src/test/js/sdk");

    @Test
    void officialSdksWorkUnchanged() throws IOException, InterruptedException {
        Map<String, String> env = Map.of(
                "SIROCCO_URL", base.toString(),
                "SIROCCO_KEY", keys.create().secret(),
                "SIROCCO_TINY_KEY", keys.create(100, 1_000_000, List.of("mistral-tiny")).secret(),
                "SIROCCO_ONE_RPM_KEY", keys.create(1, 1_000_000, List.of()).secret());
        keys.awaitWindowWithRoom(20); // the 1-rpm key's two calls must fall in one minute
        NodeSuite.run(SUITE, "sdk-test.mjs", "openai", env, Duration.ofMinutes(5), 10);
    }
}
