package io.sirocco.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs one Node test script of {@code src/test/js/<suite>} against a test server and checks its "N checks passed". */
public final class NodeSuite {
    private static final Pattern PASSED = Pattern.compile("(\\d+) checks passed");

    private NodeSuite() {
    }

    /** Runs {@code node script} in {@code suite} with {@code env}; asserts exit 0 and exactly {@code checks} passed. */
    public static void run(Path suite, String script, String requiredModule, Map<String, String> env, Duration timeout,
                    int checks) throws IOException, InterruptedException {
        assertTrue(Files.isDirectory(suite.resolve("node_modules").resolve(requiredModule)),
                "run `npm ci` in " + suite + " first (./sirocco test does)");
        ProcessBuilder pb = new ProcessBuilder(List.of("node", script)).directory(suite.toFile())
                .redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS), script + " did not finish");
        System.out.println(out);
        assertEquals(0, p.exitValue(), out);
        Matcher m = PASSED.matcher(out);
        assertTrue(m.find(), out);
        assertEquals(checks, Integer.parseInt(m.group(1)), out);
    }
}
