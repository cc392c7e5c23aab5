package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.ModelText;
import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.gguf.GgufFile;
import io.sirocco.engine.kernels.KernelThreads;
import io.sirocco.engine.kernels.Kernels;
import io.sirocco.engine.kernels.MatMul;
import io.sirocco.engine.model.Model;
import io.sirocco.engine.model.SingleSequence;
import io.sirocco.engine.runtime.TextModel;
import io.sirocco.engine.tokenizer.TestVocabularies;
import io.sirocco.engine.tokenizer.Tokenizer;
import io.sirocco.templates.JinjaTemplates;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * mistral-tiny with Mistral v0.3's control tokens and template ({@link TemplateModelProfile}), changed so that it
 * chooses to call a tool: for {@link #REQUEST}'s prompt (rendered by the gateway's own code, tools included), the
 * {@code [TOOL_CALLS]} row of {@code output.weight} becomes 4 × the row of the token the model would write first, so
 * greedy decoding starts with the control token (its logit is 4 × the largest, which is positive). Everything after
 * it is the model's own, under the grammar. This is what a real v0.3 model does when it decides to call.
 */
public class ToolTokenCallsProfile implements QuarkusTestProfile {
    static final Path FILE = Path.of("target/test-data/template-model/mistral-tiny-v03-calls.gguf");
    static final String ARGUMENTS = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\","
            + "\"enum\":[\"Oslo\",\"Paris\",\"Rome\"]},\"days\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":7}},"
            + "\"required\":[\"city\",\"days\"],\"additionalProperties\":false}";
    /** The request (tool_choice auto, greedy) whose first generated token is [TOOL_CALLS] on {@link #FILE}. */
    static final String REQUEST = "{\"model\":\"mistral-tiny\",\"temperature\":0,\"max_tokens\":80,\"tool_choice\":\"auto\","
            + "\"parallel_tool_calls\":false,\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Oslo this week?\"}],"
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"The forecast\","
            + "\"parameters\":" + ARGUMENTS + "}}]}";

    @Override
    public Map<String, String> getConfigOverrides() {
        new TemplateModelProfile().getConfigOverrides(); // writes the v0.3 file
        Path source = TemplateModelProfile.FILE;
        ModelText text = TextModel.readHeader(source, EngineOptions.defaults(), new JinjaTemplates());
        int[] prompt = ChatPrompt.encode(text, ChatValidation.check(
                StrictJson.read(REQUEST.getBytes(StandardCharsets.UTF_8), ChatRequest.class)));
        float[] logits;
        try (Model model = Model.load(source); KernelThreads pool = new KernelThreads(1)) {
            logits = new SingleSequence(model, new MatMul(Kernels.best(true), pool), prompt.length + 16).prefill(prompt);
        }
        int first = 0;
        for (int i = 1; i < logits.length; i++) {
            first = logits[i] > logits[first] ? i : first;
        }
        if (logits[first] <= 0) {
            throw new IllegalStateException("the largest logit is not positive: " + logits[first]);
        }
        int toolCalls = Tokenizer.open(source).vocabulary().id("[TOOL_CALLS]");
        int from = first;
        try (GgufFile f = GgufFile.open(source)) {
            if (f.tensor("output.weight").type() != GgmlType.Q8_0) {
                throw new IllegalStateException("expected a Q8_0 output.weight: " + f.tensor("output.weight"));
            }
        }
        try {
            Path tmp = Files.createTempFile(FILE.getParent(), "calls", ".gguf");
            TestVocabularies.withTensor(source, tmp, "output.weight", bytes -> fourTimesRow(bytes, from, toolCalls));
            Files.move(tmp, FILE, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("sirocco.models.mistral-tiny.path", FILE.toAbsolutePath().toString(),
                "sirocco.models.queue-capacity", "256");
    }

    /** Row {@code to} of a Q8_0 matrix becomes row {@code from} with each block's scale × 4 (exact in f16). */
    static byte[] fourTimesRow(byte[] q8, int from, int to) {
        int rows = io.sirocco.engine.synthetic.ModelSpec.VOCAB;
        int rowBytes = q8.length / rows;
        if (rowBytes * rows != q8.length || rowBytes % 34 != 0) {
            throw new IllegalStateException("not a 32000-row Q8_0 matrix: " + q8.length + " bytes");
        }
        byte[] out = q8.clone();
        System.arraycopy(q8, from * rowBytes, out, to * rowBytes, rowBytes);
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        for (int block = to * rowBytes; block < (to + 1) * rowBytes; block += 34) {
            b.putShort(block, Float.floatToFloat16(4 * Float.float16ToFloat(b.getShort(block))));
        }
        return out;
    }
}
