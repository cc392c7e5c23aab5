package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Tool calling, structured outputs, n, FIM and embedding options through the clients people use, unchanged from
 * npm ({@code src/test/js/tools}): the official {@code openai} and {@code @mistralai/mistralai} SDKs, the Vercel
 * AI SDK ({@code ai} with {@code @ai-sdk/mistral} and {@code @ai-sdk/openai-compatible}) and LangChain.js
 * ({@code @langchain/mistralai}, {@code @langchain/openai}), on the random-weight demo models: constrained
 * decoding makes their calls and objects valid. {@code ./sirocco test} installs the suite ({@code npm ci}) first.
 */
@QuarkusTest
@TestProfile(ApiProfile.class)
class ToolClientsTest extends ApiTestBase {
    static final Path SUITE = Path.of("src/test/js/tools");

    @Test
    void sdksAndFrameworksCallToolsAndGetStructuredOutput() throws IOException, InterruptedException {
        NodeSuite.run(SUITE, "tools-test.mjs", "ai",
                Map.of("SIROCCO_URL", base.toString(), "SIROCCO_KEY", keys.create().secret()),
                Duration.ofMinutes(10), 27);
    }
}
