package io.sirocco.batch;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.gateway.ModelRegistry;
import io.sirocco.gateway.NodeSuite;
import io.sirocco.gateway.TestKeys;
import io.quarkus.test.common.http.TestHTTPResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * Batch through the official SDKs, unchanged ({@code src/test/js/sdk/batch-test.mjs}): openai files.create,
 * batches.create/retrieve/cancel, files.content; @mistralai/mistralai files.upload, batch.jobs.create/get/cancel,
 * files.download.
 */
@QuarkusTest
@TestProfile(BatchProfile.class)
class BatchSdkTest {
    @Inject
    TestKeys keys;
    @Inject
    ModelRegistry registry;
    @TestHTTPResource("/")
    URL base;

    @Test
    void officialSdksRunBatchJobsUnchanged() throws Exception {
        await().atMost(Duration.ofSeconds(120)).until(registry::ready);
        NodeSuite.run(Path.of("src/test/js/sdk"), "batch-test.mjs", "openai",
                Map.of("SIROCCO_URL", base.toString(), "SIROCCO_KEY", keys.create().secret()),
                Duration.ofMinutes(5), 4);
    }
}
