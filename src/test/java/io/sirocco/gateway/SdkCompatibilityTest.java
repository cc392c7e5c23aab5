package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertTrue(Files.isDirectory(SUITE.resolve("node_modules/openai")),
                "run `npm ci` in " + SUITE + " first (./sirocco test does)");
        ProcessBuilder pb = new ProcessBuilder(List.of("node", "sdk-test.mjs")).directory(SUITE.toFile())
                .redirectErrorStream(true);
        pb.environment().put("SIROCCO_URL", base.toString());
        pb.environment().put("SIROCCO_KEY", keys.create().secret());
        pb.environment().put("SIROCCO_TINY_KEY", keys.create(100, 1_000_000, List.of("mistral-tiny")).secret());
        pb.environment().put("SIROCCO_ONE_RPM_KEY", keys.create(1, 1_000_000, List.of()).secret());
        keys.awaitWindowWithRoom(20); // the 1-rpm key's two calls must fall in one minute
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the SDK suite did not finish");
        System.out.println(out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("10 checks passed"), out);
    }
}
