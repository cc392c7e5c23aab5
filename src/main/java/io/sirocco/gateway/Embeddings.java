package io.sirocco.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.billing.UsageEvent;
import io.sirocco.billing.UsageStatus;
import io.sirocco.engine.Engine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code POST /v1/embeddings}: one L2-normalised vector per input, shaped by {@link EmbeddingFormat}. */
@ApplicationScoped
public class Embeddings {
    static final int MAX_INPUTS = 512;

    @Inject
    Pipeline pipeline;
    @Inject
    GatewayMetrics metrics;
    @Inject
    EngineFactory engines;

    void handle(Call call, byte[] body) throws InterruptedException {
        pipeline.authenticate(call);
        EmbeddingRequest req = StrictJson.read(body, EmbeddingRequest.class);
        String modelId = ChatValidation.requireModel(req.model());
        List<String> inputs = inputs(req.input());
        ModelRegistry.Served model = pipeline.resolve(call, req.model(), ModelTier.Kind.EMBEDDINGS);
        modelId = model.tier().id();
        Engine engine = engines.forCaller(model.engine(), call.key);
        EmbeddingFormat format = EmbeddingFormat.check(req, engine.info().embeddingLength());
        int context = engine.info().contextLength();
        List<int[]> tokens = new ArrayList<>(inputs.size());
        int promptTokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            int[] ids = engine.tokenize(inputs.get(i), true);
            if (ids.length > context) {
                throw ApiError.invalid("input", "input[" + i + "] is " + ids.length + " tokens; " + modelId
                        + " accepts at most " + context);
            }
            tokens.add(ids);
            promptTokens += ids.length;
        }
        pipeline.limit(call, promptTokens);
        Settlement settlement = pipeline.admit(call, modelId, promptTokens, 0);
        try {
            TierQueue.Ticket slot = pipeline.acquire(call, model, settlement, promptTokens);
            if (slot == null) {
                return;
            }
            float[][] vectors;
            try (slot) {
                vectors = engine.embed(tokens);
            }
            metrics.tokens(modelId, promptTokens, 0);
            UsageEvent usage = settlement.settle(promptTokens, 0,
                    call.isClientGone() ? UsageStatus.ABORTED : UsageStatus.COMPLETED);
            call.response().putHeader("x-sirocco-cost-eur", usage.costEur().toPlainString());
            call.json(200, response(call, modelId, vectors, format, promptTokens));
        } finally {
            settlement.failIfOpen(promptTokens);
        }
    }

    private static Map<String, Object> response(Call call, String model, float[][] vectors, EmbeddingFormat format,
                                                int promptTokens) {
        List<Map<String, Object>> data = new ArrayList<>(vectors.length);
        for (int i = 0; i < vectors.length; i++) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("object", "embedding");
            item.put("index", i);
            item.put("embedding", format.encode(vectors[i]));
            data.add(item);
        }
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", 0);
        usage.put("total_tokens", promptTokens);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", "embd-" + call.requestId);
        out.put("object", "list");
        out.put("data", data);
        out.put("model", model);
        out.put("usage", usage);
        return out;
    }

    private static List<String> inputs(JsonNode input) {
        if (input == null || input.isNull()) {
            throw ApiError.invalid("input", "input is required");
        }
        if (input.isTextual()) {
            return List.of(nonEmpty(input.textValue(), "input"));
        }
        if (!input.isArray()) {
            throw ApiError.invalid("input", "input must be a string or a list of strings");
        }
        if (input.isEmpty() || input.size() > MAX_INPUTS) {
            throw ApiError.invalid("input", "input must hold between 1 and " + MAX_INPUTS + " strings");
        }
        List<String> out = new ArrayList<>(input.size());
        for (int i = 0; i < input.size(); i++) {
            JsonNode s = input.get(i);
            if (!s.isTextual()) {
                throw ApiError.invalid("input[" + i + "]", "input[" + i + "] must be a string");
            }
            out.add(nonEmpty(s.textValue(), "input[" + i + "]"));
        }
        return out;
    }

    private static String nonEmpty(String s, String param) {
        if (s.isEmpty()) {
            throw ApiError.invalid(param, param + " must not be empty");
        }
        return s;
    }
}
