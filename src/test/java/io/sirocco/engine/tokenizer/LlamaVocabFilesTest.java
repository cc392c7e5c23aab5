package io.sirocco.engine.tokenizer;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llama.cpp's own vocab test files ({@code models/ggml-vocab-*.gguf} with {@code .inp}/{@code .out}, as its
 * test-tokenizer-0 reads them: add_special and parse_special off). They are llama.cpp's files and are not in this
 * repository: point {@code -Dsirocco.llama.vocab.dir=} (or {@code SIROCCO_LLAMA_VOCAB_DIR}) at that folder to run
 * this test; without it the test is skipped. Vocabularies whose model this engine does not read (bert) are listed
 * as skipped. Results are recorded in docs/engine.md.
 */
class LlamaVocabFilesTest {
    static final String SEP = "\n__ggml_vocab_test__\n";

    record Case(String text, int[] ids) {
    }

    static Path dir() {
        String d = System.getProperty("sirocco.llama.vocab.dir", System.getenv("SIROCCO_LLAMA_VOCAB_DIR"));
        return d == null || d.isBlank() ? null : Path.of(d);
    }

    static List<Case> cases(Path gguf) throws IOException {
        String inp = Files.readString(Path.of(gguf + ".inp"), StandardCharsets.UTF_8);
        List<String> out = Files.readAllLines(Path.of(gguf + ".out"), StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>();
        int pos = 0;
        while (pos < inp.length()) {
            int next = inp.indexOf(SEP, pos);
            if (next < 0) {
                texts.add(inp.substring(pos));
                break;
            }
            texts.add(inp.substring(pos, next));
            pos = next + SEP.length();
        }
        assertEquals(texts.size(), out.size(), gguf + ": .inp and .out differ in count");
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String o = out.get(i).strip();
            int[] ids = o.isEmpty() ? new int[0] : Arrays.stream(o.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(texts.get(i), ids));
        }
        return cases;
    }

    @Test
    void everyVocabFileWithCasesMatchesLlamaCpp() throws IOException {
        Path dir = dir();
        Assumptions.assumeTrue(dir != null && Files.isDirectory(dir), "set -Dsirocco.llama.vocab.dir to llama.cpp's models/");
        Map<String, String> report = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path gguf : files.filter(p -> p.getFileName().toString().matches("ggml-vocab-.*\\.gguf")).sorted().toList()) {
                String name = gguf.getFileName().toString();
                if (!Files.exists(Path.of(gguf + ".inp"))) {
                    continue;
                }
                Tokenizer tok;
                try {
                    tok = Tokenizer.open(gguf);
                } catch (RuntimeException e) {
                    report.put(name, "skipped: " + e.getMessage());
                    continue;
                }
                List<Case> cases = cases(gguf);
                int passed = 0;
                for (Case c : cases) {
                    int[] got = tok.encode(c.text, false, false);
                    if (Arrays.equals(got, c.ids)) {
                        passed++;
                    } else {
                        failures.add(name + " " + quote(c.text) + ": expected " + Arrays.toString(c.ids) + " got " + Arrays.toString(got));
                    }
                }
                report.put(name, passed + "/" + cases.size());
            }
        }
        report.forEach((k, v) -> System.out.println("vocab " + k + ": " + v));
        failures.forEach(f -> System.out.println("FAIL " + f));
        assertTrue(failures.isEmpty(), failures.size() + " cases differ from llama.cpp: " + failures);
    }

    static String quote(String s) {
        return "'" + s.replace("\n", "\\n").replace("\t", "\\t") + "'";
    }
}
