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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertTrue(Files.isDirectory(SUITE.resolve("node_modules/ai")),
                "run `npm ci` in " + SUITE + " first (./sirocco test does)");
        ProcessBuilder pb = new ProcessBuilder(List.of("node", "tools-test.mjs")).directory(SUITE.toFile())
                .redirectErrorStream(true);
        pb.environment().put("SIROCCO_URL", base.toString());
        pb.environment().put("SIROCCO_KEY", keys.create().secret());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the tools suite did not finish");
        System.out.println(out);
        assertEquals(0, p.exitValue(), out);
        Matcher m = Pattern.compile("(\\d+) checks passed").matcher(out);
        assertTrue(m.find(), out);
        assertEquals(27, Integer.parseInt(m.group(1)), out);
    }
}
