package io.sirocco.engine.cli;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.runtime.LocalEngine;
import io.sirocco.engine.FinishReason;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.demo.DemoModels;
import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.golden.GoldenPack;
import io.sirocco.engine.golden.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI and the demo models. */
class ToolsTest {
    @TempDir
    Path dir;

    static String cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = EngineCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8).trim();
    }

    @Test
    @SuppressWarnings("unchecked")
    void generateJsonMatchesTheGolden() {
        Path model = GoldenPack.model("dense-a", GgmlType.Q8_0);
        Map<String, Object> g = GoldenPack.json("goldens/dense-a-Q8_0-P1.json");
        String ids = String.join(",", ((List<Object>) g.get("prompt_ids")).stream().map(o -> String.valueOf(((Number) o).intValue())).toList());
        Map<String, Object> out = (Map<String, Object>) Json.parse(cli("generate", "--model", model.toString(),
                "--prompt-ids", ids, "--max-tokens", "24", "--temperature", "0", "--json"));
        int exact = ((Number) ((Map<String, Object>) g.get("tolerance")).get("greedy_exact_steps")).intValue();
        assertEquals(((List<Object>) g.get("greedy_ids")).subList(0, exact), ((List<Object>) out.get("ids")).subList(0, exact));
        Map<String, Object> last = (Map<String, Object>) out.get("last_logits");
        Map<String, Object> golden = (Map<String, Object>) g.get("last_logits");
        assertEquals(((Number) golden.get("l2_norm")).doubleValue(), ((Number) last.get("l2_norm")).doubleValue(), 1.0);
        assertEquals(10, ((List<Object>) last.get("top10")).size());
    }

    @Test
    void tokenizeJson() {
        Path model = GoldenPack.model("dense-a", GgmlType.Q8_0);
        assertEquals("{\"ids\":[1,576,912,1091,565,618,1080]}", cli("tokenize", "--model", model.toString(), "--text", "Hello world", "--json"));
        assertEquals("{\"ids\":[576,912,1091,565,618,1080]}", cli("tokenize", "--model", model.toString(), "--text", "Hello world", "--no-bos", "--json"));
    }

    @Test
    void badModelFileIsAnErrorNotACrash() throws Exception {
        Path bad = dir.resolve("bad.gguf");
        Files.writeString(bad, "not a model");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = EngineCli.run(new String[]{"tokenize", "--model", bad.toString(), "--text", "x"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, rc);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("bad magic"));
    }

    @Test
    void demoModelsAreWrittenOnceAndServe() throws Exception {
        List<Path> files = DemoModels.writeIfMissing(dir);
        assertEquals(4, files.size());
        long modified = Files.getLastModifiedTime(files.get(0)).toMillis();
        DemoModels.writeIfMissing(dir);
        assertEquals(modified, Files.getLastModifiedTime(files.get(0)).toMillis());
        EngineOptions opts = new EngineOptions(2, 2, 1024, 512, true);
        for (Path f : files.subList(0, 3)) {
            try (Engine e = LocalEngine.open(f, opts)) {
                assertTrue(e.info().name().startsWith("mistral-"));
                var r = e.generate(e.tokenize("Hello", true), GenerationParams.greedy(4), null).result().get(60, TimeUnit.SECONDS);
                assertEquals(FinishReason.LENGTH, r.finishReason());
            }
        }
        try (Engine embed = LocalEngine.open(files.get(3), opts)) {
            assertEquals("mistral-embed", embed.info().name());
            float[][] v = embed.embed(List.of(embed.tokenize("hello world", true)));
            assertEquals(1024, v[0].length);
        }
    }

    /** The bench command's JSON has the documented fields (figures are not asserted: benchmarks are programs). */
    @Test
    @SuppressWarnings("unchecked")
    void benchJsonHasTheDocumentedFields() {
        Path model = GoldenPack.model("moe-a", GgmlType.Q4_0);
        Map<String, Object> out = (Map<String, Object>) Json.parse(cli("bench", "--model", model.toString(),
                "--threads", "2", "--prompt-tokens", "8", "--decode-tokens", "2", "--runs", "1", "--stream-mib", "8",
                "--json"));
        for (String key : List.of("prefill_tokens_per_s", "decode_tokens_per_s", "bandwidth_gb_per_s",
                "roofline_fraction", "load_ms", "peak_rss_mb")) {
            assertTrue(((Number) out.get(key)).doubleValue() > 0, key + " in " + out);
        }
        List<Object> batched = (List<Object>) out.get("batched");
        assertEquals(4, ((Number) ((Map<String, Object>) batched.get(0)).get("streams")).intValue());
        assertEquals(16, ((Number) ((Map<String, Object>) batched.get(1)).get("streams")).intValue());
        // one token per step and top-2 routing: exactly 2 experts per layer; 16 streams use more of the 8
        assertEquals(2.0, ((Number) out.get("distinct_experts_per_layer")).doubleValue(), 1e-9);
        double sixteen = ((Number) ((Map<String, Object>) batched.get(1)).get("distinct_experts_per_layer")).doubleValue();
        assertTrue(sixteen > 2 && sixteen <= 8, "distinct experts with 16 streams: " + sixteen);
        // weights per token: attention + router + 2 of 8 experts per layer + LM head + one embedding row
        assertTrue(((Number) out.get("weight_bytes_per_token")).longValue() > 0);
    }

    @Test
    void benchShapeModelIsWrittenAtTheIssuesShape() {
        assertEquals("bench", io.sirocco.engine.synthetic.ModelSpec.byName("bench").name());
        io.sirocco.engine.synthetic.ModelSpec b = io.sirocco.engine.synthetic.ModelSpec.BENCH;
        assertEquals(List.of(1024, 8, 16, 4, 3584, 8, 2), List.of(b.nEmbd(), b.nLayer(), b.nHead(), b.nHeadKv(), b.nFf(),
                b.nExpert(), b.nExpertUsed()));
    }
}
