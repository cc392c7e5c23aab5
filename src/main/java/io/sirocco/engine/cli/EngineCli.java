package io.sirocco.engine.cli;

import io.sirocco.engine.EngineException;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.demo.DemoModels;
import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.kernels.Kernels;
import io.sirocco.engine.kernels.MatMul;
import io.sirocco.engine.kernels.KernelThreads;
import io.sirocco.engine.model.Model;
import io.sirocco.engine.tokenizer.Tokenizer;
import io.sirocco.engine.model.SingleSequence;
import io.sirocco.engine.runtime.Sampler;
import io.sirocco.engine.synthetic.MixedTypes;
import io.sirocco.engine.synthetic.ModelSpec;
import io.sirocco.engine.synthetic.SyntheticModelWriter;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Engine command line: {@code generate}, {@code tokenize}, {@code bench}, {@code write-demo-models},
 * {@code write-golden-model}. Run as {@code java --add-modules=jdk.incubator.vector
 * --enable-native-access=ALL-UNNAMED -cp … io.sirocco.engine.cli.EngineCli <command> …}.
 */
public final class EngineCli {
    private static final String USAGE = """
            usage: EngineCli <command> [options]
              generate --model F.gguf (--prompt-ids 1,415,2936 | --prompt "text") [--max-tokens 24]
                       [--temperature 0] [--top-p 1] [--seed S] [--threads N] [--ignore-eos] [--json]
              tokenize --model F.gguf --text "..." [--no-bos] [--parse-special] [--json]
              detokenize --model F.gguf --ids 1,415,2936 [--render-special] [--json]
              bench --model F.gguf [--threads 2] [--prompt-tokens 128] [--decode-tokens 64] [--runs 3]
                    [--streams 4,16] [--stream-mib 512] [--multi-turn] [--json]   (llama-bench's -m -p -n -t -r work too)
              write-demo-models --dir D
              write-golden-model --model moe-a|dense-a|bench (--type TYPE | --mix MIX) --out F.gguf
              write-bench-model (--type TYPE | --mix MIX) --out F.gguf   (issue 7's bench shape)
                TYPE (all 2-D tensors): F32|F16|BF16|Q8_0|Q4_0|Q5_0|Q5_1|Q2_K|Q3_K|Q4_K|Q5_K|Q6_K|IQ4_NL|IQ4_XS
                      |IQ3_XXS|IQ3_S|IQ2_XXS|IQ2_XS|IQ2_S|IQ1_S|IQ1_M
                MIX (llama-quantize's per-tensor choice): Q2_K|Q3_K_M|Q4_K_M|Q5_K_M|Q6_K|IQ4_XS
            """;

    private EngineCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command; returns the exit status (0 ok, 1 engine error, 2 usage). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return 2;
        }
        try {
            Set<String> flags = Set.of("json", "no-bos", "ignore-eos", "multi-turn", "parse-special", "render-special");
            Args a = new Args(args, 1, flags);
            switch (args[0]) {
                case "generate" -> generate(a, out);
                case "tokenize" -> tokenize(a, out);
                case "detokenize" -> detokenize(a, out);
                case "bench" -> {
                    if (a.flag("multi-turn")) {
                        MultiTurnBench.run(a, out);
                    } else {
                        Bench.run(a, out);
                    }
                }
                case "write-demo-models" -> out.println(String.join("\n",
                        DemoModels.writeIfMissing(Path.of(a.require("dir"))).stream().map(Path::toString).toList()));
                case "write-bench-model" -> {
                    writeModel(ModelSpec.BENCH, a);
                    out.println(a.require("out"));
                }
                case "write-golden-model" -> {
                    writeModel(ModelSpec.byName(a.require("model")), a);
                    out.println(a.require("out"));
                }
                default -> {
                    err.print(USAGE);
                    return 2;
                }
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.print(USAGE);
            return 2;
        } catch (EngineException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    /** A seeded model of this shape in one type for all 2-D tensors, or in one of llama-quantize's mixes. */
    static void writeModel(ModelSpec spec, Args a) {
        Path out = Path.of(a.require("out"));
        if (a.has("mix")) {
            MixedTypes.Mix mix = MixedTypes.Mix.valueOf(a.require("mix"));
            SyntheticModelWriter.writeMixed(spec, mix.typeOf(spec), mix.fileType, out);
        } else if (a.require("type").equals("Q4_K_M")) { // the mix's name, kept from before --mix
            SyntheticModelWriter.writeMixed(spec, MixedTypes.Mix.Q4_K_M.typeOf(spec), MixedTypes.Mix.Q4_K_M.fileType, out);
        } else {
            SyntheticModelWriter.write(spec, GgmlType.valueOf(a.require("type")), out);
        }
    }

    private static void generate(Args a, PrintStream out) {
        try (Model model = Model.load(Path.of(a.require("model")));
             KernelThreads pool = new KernelThreads(a.getInt("threads", 0))) {
            int[] prompt = a.has("prompt-ids") ? parseIds(a.require("prompt-ids"))
                    : model.tokenizer.encode(a.require("prompt"), true);
            int maxTokens = a.getInt("max-tokens", 24);
            GenerationParams params = new GenerationParams(Float.parseFloat(a.get("temperature", "0")),
                    Float.parseFloat(a.get("top-p", "1")), maxTokens, List.of(),
                    a.has("seed") ? Long.parseLong(a.get("seed", "0")) : null);
            int vocab = model.vocabSize();
            for (int id : prompt) {
                if (id < 0 || id >= vocab) {
                    throw new EngineException("token id " + id + " is outside the vocabulary of " + vocab);
                }
            }
            int ctx = Math.min(model.config.contextLength(), prompt.length + maxTokens);
            SingleSequence seq = new SingleSequence(model, new MatMul(Kernels.best(true), pool), ctx);
            float[] logits = seq.prefill(prompt);
            float[] lastPromptLogits = logits.clone();
            Sampler sampler = new Sampler(params);
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < maxTokens; i++) {
                int id = sampler.sample(logits, 0, vocab);
                ids.add(id);
                boolean eos = id == model.tokenizer.vocabulary().eos && !a.flag("ignore-eos");
                if (eos || seq.position() >= ctx || i == maxTokens - 1) {
                    break;
                }
                logits = seq.decode(id);
            }
            int[] gen = ids.stream().mapToInt(Integer::intValue).toArray();
            if (a.flag("json")) {
                out.println("{\"ids\":" + Arrays.toString(gen).replace(" ", "") + ",\"last_logits\":"
                        + logitsJson(lastPromptLogits) + "}");
            } else {
                out.println(model.tokenizer.decode(gen, false, false));
                out.println("ids: " + Arrays.toString(gen));
            }
        }
    }

    /** {"top10":[{"id":..,"logit":..}],"sum":..,"l2_norm":..} */
    static String logitsJson(float[] logits) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> logits[x] != logits[y] ? Float.compare(logits[y], logits[x]) : Integer.compare(x, y));
        StringBuilder sb = new StringBuilder("{\"top10\":[");
        for (int i = 0; i < Math.min(10, order.length); i++) {
            sb.append(i > 0 ? "," : "").append("{\"id\":").append(order[i]).append(",\"logit\":")
                    .append(num(logits[order[i]])).append('}');
        }
        double sum = 0;
        double sq = 0;
        for (float v : logits) {
            sum += v;
            sq += (double) v * v;
        }
        return sb.append("],\"sum\":").append(num(sum)).append(",\"l2_norm\":").append(num(Math.sqrt(sq))).append('}').toString();
    }

    static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.7g", v) : "null";
    }

    /** Reads only the tokenizer keys: a vocab-only GGUF file (no tensors) works as well as a model. */
    private static void tokenize(Args a, PrintStream out) {
        Tokenizer tok = Tokenizer.open(Path.of(a.require("model")));
        int[] ids = tok.encode(a.require("text"), !a.flag("no-bos"), a.flag("parse-special"));
        String list = Arrays.toString(ids).replace(" ", "");
        out.println(a.flag("json") ? "{\"ids\":" + list + "}" : list);
    }

    /** Ids → text (llama.cpp's detokenize: a leading BOS removed; control tokens shown with --render-special). */
    private static void detokenize(Args a, PrintStream out) {
        Tokenizer tok = Tokenizer.open(Path.of(a.require("model")));
        int[] ids = parseIds(a.require("ids"));
        for (int id : ids) {
            if (id < 0 || id >= tok.vocabulary().size()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.."
                        + (tok.vocabulary().size() - 1) + ")");
            }
        }
        String text = tok.decode(ids, true, a.flag("render-special"));
        out.println(a.flag("json") ? "{\"text\":" + jsonString(text) + "}" : text);
    }

    static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> sb.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return sb.append('"').toString();
    }

    static int[] parseIds(String s) {
        try {
            return Arrays.stream(s.split(",")).map(String::trim).filter(t -> !t.isEmpty()).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad token id list: " + s);
        }
    }
}
