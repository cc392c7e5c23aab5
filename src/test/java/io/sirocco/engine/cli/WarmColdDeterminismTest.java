package io.sirocco.engine.cli;

import io.sirocco.engine.ChatMessage;
import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.runtime.LocalEngine;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.demo.DemoModels;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Greedy decoding gives the same tokens on the first request of a fresh JVM (interpreted, then C1 code) as on
 * later ones (C2-compiled Vector API and math intrinsics). Before the forward pass fixed its reduction order,
 * the first chat request after start-up diverged from later identical ones after a few tokens.
 */
class WarmColdDeterminismTest {
    @TempDir
    static Path dir;

    /** {@code auto}: the native kernels where they load; {@code none}: the Java Vector API kernels. */
    @ParameterizedTest
    @ValueSource(strings = {"auto", "none"})
    void firstRequestInAFreshJvmMatchesLaterOnes(String nativeVariant) throws Exception {
        DemoModels.writeIfMissing(dir);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "--add-modules=jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED"));
        if (!nativeVariant.equals("auto")) {
            command.add("-Dsirocco.native.variant=" + nativeVariant);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), RepeatedGeneration.class.getName(),
                dir.toString()));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the generations did not finish");
        assertEquals(0, p.exitValue(), out);
        List<String> runs = out.lines().filter(l -> l.startsWith("[")).toList();
        assertEquals(8, runs.size(), out);
        for (int i = 1; i < 4; i++) {
            assertEquals(runs.get(0), runs.get(i), "mistral-tiny run " + i);
            assertEquals(runs.get(4), runs.get(4 + i), "mistral-small run " + i);
        }
    }

    /** Runs the same greedy chat four times per demo model and prints each run's token ids. */
    public static final class RepeatedGeneration {
        public static void main(String[] args) throws Exception {
            Path models = Path.of(args[0]);
            for (String model : List.of("mistral-tiny", "mistral-small")) {
                try (Engine engine = LocalEngine.open(DemoModels.file(models, model), EngineOptions.defaults())) {
                    int[] prompt = engine.encodeChat(List.of(new ChatMessage("user", "Hello")), false);
                    for (int run = 0; run < 4; run++) {
                        List<Integer> ids = new ArrayList<>();
                        engine.generate(prompt, new GenerationParams(0f, 1f, 32, List.of(), 0L),
                                (id, text) -> ids.add(id)).result().get();
                        System.out.println(ids);
                    }
                }
            }
        }
    }
}
