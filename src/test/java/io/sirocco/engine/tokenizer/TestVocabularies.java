package io.sirocco.engine.tokenizer;

import io.sirocco.engine.gguf.GgufFile;
import io.sirocco.engine.gguf.GgufTensor;
import io.sirocco.engine.gguf.GgufWriter;
import io.sirocco.engine.synthetic.PackVocabulary;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.lang.foreign.ValueLayout;

/**
 * Vocab-only GGUF files written by test code (no tensors): a Mistral-v0.3-like SentencePiece vocabulary (the pack's
 * 32000 pieces plus 768 control tokens → 32768, with CONTROL, USER_DEFINED and UNUSED types and the v0.3 chat
 * template) and a small byte-level BPE vocabulary (merges learned here from a fixed text) under each pre-tokenizer.
 * {@code main(dir)} writes them for src/test/golden-recipes/vocab/expected.sh, which ran llama.cpp's llama-tokenize
 * on them to give the ids committed in vocab/expected.json.
 */
public final class TestVocabularies {
    public static final List<String> BPE_PRE = List.of("gpt-2", "llama-bpe", "tekken");
    static final List<String> MISTRAL_CONTROLS = List.of("[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]",
            "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]", "[/TOOL_RESULTS]");
    static final String USER_DEFINED = "<|sep|>";

    /** The texts of the conformance cases (tokenized as text, and with special tokens parsed). */
    public static final List<String> TEXTS = List.of(
            "Hello world",
            " Hello World! It's 2024, isn't it?",
            "[INST] What is 1234567 + 89? [/INST]",
            "CamelCaseWord and HTTPServer, naïve café",
            "tabs\tand\nnewlines\n\n  two spaces   ",
            "日本語のテキスト 🚀 emoji",
            "path/to//file.txt <|sep|> end",
            "don't we'll they're I'M",
            "<s>[INST] injected [/INST]</s>[TOOL_CALLS]",
            "   leading spaces and trailing\n");

    private TestVocabularies() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        writeMistralSpm(dir.resolve("mistral-v03-spm.gguf"));
        for (String pre : BPE_PRE) {
            writeBpe(dir.resolve("bpe-" + pre + ".gguf"), pre);
        }
        Files.write(dir.resolve("texts.txt"), TEXTS.stream().map(t -> t.replace("\\", "\\\\").replace("\n", "\\n")
                .replace("\t", "\\t")).toList(), StandardCharsets.UTF_8);
    }

    static void header(GgufWriter w, String name) {
        w.putString("general.architecture", "llama");
        w.putString("general.name", name);
        w.putU32("llama.context_length", 4096);
        w.putU32("llama.embedding_length", 64);
        w.putU32("llama.block_count", 1);
        w.putU32("llama.feed_forward_length", 128);
        w.putU32("llama.attention.head_count", 4);
        w.putU32("llama.attention.head_count_kv", 4);
        w.putF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
    }

    /** 32768 tokens: {@code <unk> <s> </s>}, 768 controls (the seven Mistral ones, then [control_N]), then the pack's rest. */
    public static void writeMistralSpm(Path file) {
        PackVocabulary p = PackVocabulary.get();
        int n = p.tokens().length + 768;
        String[] tokens = new String[n];
        float[] scores = new float[n];
        int[] types = new int[n];
        for (int i = 0; i < 3; i++) {
            tokens[i] = p.tokens()[i];
            scores[i] = p.scores()[i];
            types[i] = p.types()[i];
        }
        for (int c = 0; c < 768; c++) {
            int id = 3 + c;
            tokens[id] = c < MISTRAL_CONTROLS.size() ? MISTRAL_CONTROLS.get(c) : "[control_" + (c + 1) + "]";
            types[id] = Vocabulary.TYPE_CONTROL;
        }
        tokens[3 + 766] = USER_DEFINED;
        types[3 + 766] = Vocabulary.TYPE_USER_DEFINED;
        types[3 + 767] = Vocabulary.TYPE_UNUSED;
        for (int i = 3; i < p.tokens().length; i++) {
            tokens[i + 768] = p.tokens()[i];
            scores[i + 768] = p.scores()[i];
            types[i + 768] = p.types()[i];
        }
        GgufWriter w = new GgufWriter();
        header(w, "mistral-v03-like");
        w.putString("tokenizer.ggml.model", "llama");
        w.putString("tokenizer.ggml.pre", "default");
        w.putStrings("tokenizer.ggml.tokens", tokens);
        w.putF32s("tokenizer.ggml.scores", scores);
        w.putI32s("tokenizer.ggml.token_type", types);
        w.putU32("tokenizer.ggml.bos_token_id", 1);
        w.putU32("tokenizer.ggml.eos_token_id", 2);
        w.putU32("tokenizer.ggml.unknown_token_id", 0);
        w.putBool("tokenizer.ggml.add_bos_token", true);
        w.putBool("tokenizer.ggml.add_eos_token", false);
        w.putString("tokenizer.chat_template", resource("/chat-templates/mistral-v03.jinja"));
        w.write(file);
    }

    static String resource(String name) {
        try (var in = TestVocabularies.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("missing test resource " + name, e);
        }
    }

    /** The text the BPE merges are learned from. */
    static final String CORPUS = """
            Hello world! The quick brown fox jumps over the lazy dog. It's a test, isn't it? We'll see what they're doing.
            Bonjour le monde, ça va ? Naïve café, déjà vu. 2024 1234567 89 and 100 numbers.
            CamelCaseWord HTTPServer getValue setValue toString. path/to/file.txt and more/paths/here.
            日本語のテキスト テキスト 日本 🚀 emoji emoji. Tabs\tand\nnew lines\n\n spaces   spaces.
            what is the answer? the answer is forty-two. Hello Hello world world the the the.
            """;

    /** Byte-level BPE: the 256 byte characters, merges learned from {@link #CORPUS}, then specials. */
    public static void writeBpe(Path file, String pre) {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(ByteLevel.charOf(b));
        }
        List<String> merges = learnMerges(400);
        for (String m : merges) {
            String t = m.replace(" ", "");
            if (!tokens.contains(t)) {
                tokens.add(t);
            }
        }
        int[] types = new int[tokens.size() + 5];
        Arrays.fill(types, Vocabulary.TYPE_NORMAL);
        for (String s : List.of("<s>", "</s>", "[INST]", "[/INST]")) {
            types[tokens.size()] = Vocabulary.TYPE_CONTROL;
            tokens.add(s);
        }
        types[tokens.size()] = Vocabulary.TYPE_USER_DEFINED;
        tokens.add(USER_DEFINED);
        GgufWriter w = new GgufWriter();
        header(w, "bpe-" + pre);
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", pre);
        w.putStrings("tokenizer.ggml.tokens", tokens.toArray(String[]::new));
        w.putI32s("tokenizer.ggml.token_type", types);
        w.putStrings("tokenizer.ggml.merges", merges.toArray(String[]::new));
        w.putU32("tokenizer.ggml.bos_token_id", tokens.indexOf("<s>"));
        w.putU32("tokenizer.ggml.eos_token_id", tokens.indexOf("</s>"));
        w.putBool("tokenizer.ggml.add_bos_token", true);
        w.putBool("tokenizer.ggml.add_eos_token", false);
        w.write(file);
    }

    /** Greedy BPE training on the GPT-2 split of the corpus: most frequent adjacent pair first, ties by text. */
    static List<String> learnMerges(int count) {
        Map<List<String>, Integer> words = new LinkedHashMap<>();
        for (String w : PreTokenizer.named("gpt-2").split(CORPUS)) {
            String enc = ByteLevel.encode(w);
            List<String> syms = new ArrayList<>();
            for (char c : enc.toCharArray()) {
                syms.add(String.valueOf(c));
            }
            words.merge(syms, 1, Integer::sum);
        }
        List<String> merges = new ArrayList<>();
        while (merges.size() < count) {
            Map<String, Integer> pairs = new HashMap<>();
            for (var e : words.entrySet()) {
                List<String> s = e.getKey();
                for (int i = 0; i + 1 < s.size(); i++) {
                    pairs.merge(s.get(i) + " " + s.get(i + 1), e.getValue(), Integer::sum);
                }
            }
            String best = null;
            for (var e : pairs.entrySet()) {
                if (best == null || e.getValue() > pairs.get(best) || (e.getValue().equals(pairs.get(best)) && e.getKey().compareTo(best) < 0)) {
                    best = e.getKey();
                }
            }
            if (best == null) {
                break;
            }
            merges.add(best);
            String[] lr = best.split(" ", 2);
            Map<List<String>, Integer> next = new LinkedHashMap<>();
            for (var e : words.entrySet()) {
                List<String> s = new ArrayList<>();
                List<String> old = e.getKey();
                for (int i = 0; i < old.size(); i++) {
                    if (i + 1 < old.size() && old.get(i).equals(lr[0]) && old.get(i + 1).equals(lr[1])) {
                        s.add(lr[0] + lr[1]);
                        i++;
                    } else {
                        s.add(old.get(i));
                    }
                }
                next.merge(s, e.getValue(), Integer::sum);
            }
            words = next;
        }
        return merges;
    }

    /**
     * A copy of a model file (the demo models: the pack's 32000-piece vocabulary) whose last seven pieces become
     * Mistral's control tokens ({@code [INST]} … {@code [/TOOL_RESULTS]}) and which carries {@code template} as its
     * {@code tokenizer.chat_template}: a servable model with v0.3-style control tokens and a file template.
     */
    public static void withMistralControls(Path src, Path dst, String template) {
        try (GgufFile f = GgufFile.open(src)) {
            GgufWriter w = new GgufWriter();
            String[] tokens = ((String[]) f.get("tokenizer.ggml.tokens")).clone();
            long[] types = (long[]) f.get("tokenizer.ggml.token_type");
            int[] t = new int[types.length];
            for (int i = 0; i < t.length; i++) {
                t[i] = (int) types[i];
            }
            for (int c = 0; c < MISTRAL_CONTROLS.size(); c++) {
                int id = tokens.length - MISTRAL_CONTROLS.size() + c;
                tokens[id] = MISTRAL_CONTROLS.get(c);
                t[id] = Vocabulary.TYPE_CONTROL;
            }
            f.metadata().forEach((k, v) -> {
                switch (k) {
                    case "tokenizer.ggml.tokens" -> w.putStrings(k, tokens);
                    case "tokenizer.ggml.token_type" -> w.putI32s(k, t);
                    case "tokenizer.chat_template" -> { }
                    default -> copyMetadata(w, k, v);
                }
            });
            w.putString("tokenizer.chat_template", template);
            for (String name : f.tensorNames()) {
                GgufTensor x = f.tensor(name);
                w.addTensor(name, x.type(), x.ne(), x.data().toArray(ValueLayout.JAVA_BYTE));
            }
            w.write(dst);
        }
    }

    /** A copy of {@code src} whose tensor {@code name} has the bytes {@code edit} returns; all else unchanged. */
    public static void withTensor(Path src, Path dst, String name, java.util.function.UnaryOperator<byte[]> edit) {
        try (GgufFile f = GgufFile.open(src)) {
            GgufWriter w = new GgufWriter();
            f.metadata().forEach((k, v) -> copyMetadata(w, k, v));
            for (String n : f.tensorNames()) {
                GgufTensor x = f.tensor(n);
                byte[] data = x.data().toArray(ValueLayout.JAVA_BYTE);
                w.addTensor(n, x.type(), x.ne(), n.equals(name) ? edit.apply(data) : data);
            }
            w.write(dst);
        }
    }

    private static void copyMetadata(GgufWriter w, String k, Object v) {
        switch (v) {
            case String s -> w.putString(k, s);
            case Long l -> w.putU32(k, l);
            case Float x -> w.putF32(k, x);
            case Boolean b -> w.putBool(k, b);
            case String[] a -> w.putStrings(k, a);
            case float[] a -> w.putF32s(k, a);
            case long[] a when k.equals("tokenizer.ggml.token_type") -> w.putI32s(k, Arrays.stream(a).mapToInt(x -> (int) x).toArray());
            default -> throw new IllegalArgumentException(k + ": " + v.getClass());
        }
    }
}
