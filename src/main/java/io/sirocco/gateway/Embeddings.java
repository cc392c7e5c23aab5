package io.sirocco.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.billing.UsageEvent;
import io.sirocco.billing.UsageStatus;
import io.sirocco.engine.EngineException;
import io.sirocco.engine.ModelText;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

/**
 * {@code POST /v1/embeddings}: one L2-normalised vector per input, as floats or base64 little-endian float32.
 * Each input is a piece of its own in the tier's fair queue, so one organization's long list does not hold up
 * another's short one; a client that leaves cancels the inputs not yet computed and pays only for those that were.
 */
@ApplicationScoped
public class Embeddings implements Endpoint<Embeddings.Checked, Embeddings.Work> {
    static final int MAX_INPUTS = 512;


    record Checked(EmbeddingRequest request, String model, List<String> inputs) {
    }

    record Work(List<int[]> inputs, int promptTokens, EmbeddingFormat format) implements Endpoint.Prepared {
        @Override
        public int maxNewTokens() {
            return 0;
        }
    }

    private static final Shape SHAPE = new Shape(ModelTier.Kind.EMBEDDINGS, "input");

    @Override
    public Shape shape() {
        return SHAPE;
    }

    @Override
    public Checked validate(byte[] body) {
        EmbeddingRequest req = StrictJson.read(body, EmbeddingRequest.class);
        String model = ChatValidation.requireModel(req.model());
        List<String> inputs = inputs(req.input());
        return new Checked(req, model, inputs);
    }

    @Override
    public String model(Checked req) {
        return req.model();
    }

    /** Each input must fit the context on its own: the longest one is what counts. */
    @Override
    public long promptChars(Checked req) {
        return req.inputs().stream().mapToLong(String::length).max().orElse(0);
    }

    @Override
    public Work prepare(Checked req, ModelRegistry.Served served) {
        ModelText model = served.engine();
        EmbeddingFormat format = EmbeddingFormat.check(req.request(), model.info().embeddingLength());
        List<int[]> tokens = new ArrayList<>(req.inputs().size());
        int promptTokens = 0;
        for (int i = 0; i < req.inputs().size(); i++) {
            int[] ids = model.tokenize(req.inputs().get(i), true);
            try {
                model.info().checkEmbeddingInput(ids.length);
            } catch (EngineException e) {
                throw ApiError.invalid("input", "input[" + i + "]: " + e.getMessage());
            }
            tokens.add(ids);
            promptTokens += ids.length;
        }
        return new Work(tokens, promptTokens, format);
    }

    @Override
    public void run(Job<Checked, Work> job) throws InterruptedException {
        Call call = job.call();
        List<int[]> inputs = job.prepared().inputs();
        List<CompletableFuture<float[]>> pieces = new CopyOnWriteArrayList<>();
        call.onClientGone(() -> pieces.forEach(p -> p.cancel(false)));
        try {
            for (int[] input : inputs) {
                Queue.Slot slot = job.slot();
                if (slot == null) {
                    break; // the client left while this input waited
                }
                CompletableFuture<float[]> piece;
                try {
                    piece = slot.engine().embed(input);
                } catch (RuntimeException e) {
                    slot.close();
                    throw e;
                }
                piece.whenComplete((v, e) -> slot.close());
                pieces.add(piece);
                if (call.isClientGone()) {
                    piece.cancel(false);
                }
            }
            float[][] vectors = await(pieces);
            if (vectors == null || pieces.size() < inputs.size() || call.isClientGone()) {
                job.settlement().settle(computedTokens(inputs, pieces), 0, UsageStatus.ABORTED);
                return;
            }
            UsageEvent usage = job.settlement().settleFinished(job.prepared().promptTokens(), 0, 0);
            call.reply().header("x-sirocco-cost-eur", usage.costEur().toPlainString());
            call.json(200, response(call, job.model().tier().id(), vectors, job.prepared().format(),
                    job.prepared().promptTokens()));
        } finally {
            pieces.forEach(p -> p.cancel(false));
        }
    }

    /** The vectors in input order, or null when a piece was cancelled (the client left); a failed piece throws. */
    private static float[][] await(List<CompletableFuture<float[]>> pieces) throws InterruptedException {
        float[][] out = new float[pieces.size()][];
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = pieces.get(i).get();
            } catch (CancellationException e) {
                return null;
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r
                        : new EngineException(EngineException.Kind.FAILED, "embedding failed", e.getCause());
            }
        }
        return out;
    }

    /** Tokens of the inputs whose vectors were computed. */
    private static int computedTokens(List<int[]> inputs, List<CompletableFuture<float[]>> pieces) {
        int tokens = 0;
        for (int i = 0; i < pieces.size(); i++) {
            if (pieces.get(i).isDone() && !pieces.get(i).isCompletedExceptionally()) {
                tokens += inputs.get(i).length;
            }
        }
        return tokens;
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
