package io.sirocco.batch;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sirocco.accounts.KeyPrincipal;
import io.sirocco.gateway.ApiError;
import io.sirocco.gateway.ApiRequests;
import io.sirocco.gateway.ApiRequests.ApiRequest;
import io.sirocco.gateway.ApiRoutes;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The batch job endpoints in both shapes: Mistral's {@code /v1/batch/jobs} ({@code input_files}, {@code model},
 * {@code timeout_hours}) and OpenAI's {@code /v1/batches} ({@code input_file_id}, {@code completion_window} 24h).
 * One job store behind both; a job is shown in the shape it is asked for. Another organization's job is a 404.
 */
@ApplicationScoped
public class BatchRoutes {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
    private static final int MAX_BODY = 64 * 1024;
    private static final int MAX_TIMEOUT_HOURS = 168;

    @Inject
    ApiRequests api;
    @Inject
    BatchCreation creation;
    @Inject
    BatchJobs jobs;
    @Inject
    FilesRoutes work;

    void mount(@Observes Router router) {
        router.route("/v1/batch/jobs").order(ApiRoutes.ORDER - 1).handler(ctx -> root(ctx, true));
        router.route("/v1/batch/jobs/*").order(ApiRoutes.ORDER - 1).handler(ctx -> one(ctx, true));
        router.route("/v1/batches").order(ApiRoutes.ORDER - 1).handler(ctx -> root(ctx, false));
        router.route("/v1/batches/*").order(ApiRoutes.ORDER - 1).handler(ctx -> one(ctx, false));
    }

    private void root(RoutingContext ctx, boolean mistral) {
        ApiRequest r = api.open(ctx);
        HttpMethod m = ctx.request().method();
        Function<BatchJob, Map<String, Object>> view = mistral ? BatchViews::mistral : BatchViews::openai;
        if (m.equals(HttpMethod.POST)) {
            var pending = ctx.request().body(); // the router pauses requests: read the body, then resume
            ctx.request().resume();
            pending.onComplete(body -> work.work(r, () -> {
                KeyPrincipal key = api.authenticate(r);
                if (body.failed()) {
                    throw ApiError.malformed("the request body could not be read");
                }
                if (body.result().length() > MAX_BODY) {
                    throw ApiError.tooLarge(MAX_BODY);
                }
                JsonNode req = parse(body.result().getBytes());
                BatchJob job = creation.create(key, mistral ? mistralRequest(req) : openaiRequest(req));
                r.json(200, view.apply(job));
            }));
        } else if (m.equals(HttpMethod.GET)) {
            work.work(r, () -> {
                KeyPrincipal key = api.authenticate(r);
                int limit = limit(ctx, mistral ? "page_size" : "limit");
                List<Map<String, Object>> data = jobs.list(key.orgId(), limit).stream().map(view).toList();
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("object", "list");
                out.put("data", data);
                if (mistral) {
                    out.put("total", data.size());
                } else {
                    out.put("first_id", data.isEmpty() ? null : data.getFirst().get("id"));
                    out.put("last_id", data.isEmpty() ? null : data.getLast().get("id"));
                    out.put("has_more", false);
                }
                r.json(200, out);
            });
        } else {
            ctx.response().putHeader("allow", "GET, POST");
            work.work(r, () -> {
                throw ApiError.methodNotAllowed(m + " is not allowed here; use GET or POST");
            });
        }
    }

    private void one(RoutingContext ctx, boolean mistral) {
        ApiRequest r = api.open(ctx);
        String prefix = mistral ? "/v1/batch/jobs/" : "/v1/batches/";
        String rest = ctx.normalizedPath().substring(prefix.length());
        boolean cancel = rest.endsWith("/cancel");
        String id = cancel ? rest.substring(0, rest.length() - "/cancel".length()) : rest;
        HttpMethod m = ctx.request().method();
        Function<BatchJob, Map<String, Object>> view = mistral ? BatchViews::mistral : BatchViews::openai;
        work.work(r, () -> {
            if (id.isEmpty() || id.contains("/")) {
                throw ApiError.notFound("no such endpoint: " + m + " " + ctx.normalizedPath());
            }
            if (cancel != m.equals(HttpMethod.POST) || !cancel && !m.equals(HttpMethod.GET)) {
                ctx.response().putHeader("allow", cancel ? "POST" : "GET");
                throw ApiError.methodNotAllowed(m + " is not allowed here; use " + (cancel ? "POST" : "GET"));
            }
            KeyPrincipal key = api.authenticate(r);
            r.json(200, view.apply(cancel ? jobs.cancel(key.orgId(), id) : jobs.get(key.orgId(), id)));
        });
    }

    private static int limit(RoutingContext ctx, String param) {
        String v = ctx.request().getParam(param);
        if (v == null) {
            return 100;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= 1000) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // refused below
        }
        throw ApiError.invalid(param, param + " must be an integer from 1 to 1000");
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject()) {
                throw ApiError.malformed("the body must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw ApiError.malformed("the body is not valid JSON");
        }
    }

    private static void onlyFields(JsonNode req, Set<String> allowed) {
        for (var it = req.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw ApiError.unknownField(f);
            }
        }
    }

    private static String text(JsonNode req, String field, boolean required) {
        JsonNode n = req.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw ApiError.invalid(field, field + " is required");
            }
            return null;
        }
        if (!n.isTextual() || n.textValue().isEmpty()) {
            throw ApiError.invalid(field, field + " must be a non-empty string");
        }
        return n.textValue();
    }

    /** A metadata object of strings, as compact JSON, or null. */
    private static String metadata(JsonNode req) {
        JsonNode m = req.get("metadata");
        if (m == null || m.isNull()) {
            return null;
        }
        if (!m.isObject() || m.size() > 16) {
            throw ApiError.invalid("metadata", "metadata must be an object of at most 16 string values");
        }
        for (var it = m.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual() || e.getKey().length() > 64 || e.getValue().textValue().length() > 512) {
                throw ApiError.invalid("metadata", "metadata values must be strings (keys up to 64 characters, values "
                        + "up to 512)");
            }
        }
        return m.toString();
    }

    static BatchCreation.Request mistralRequest(JsonNode req) {
        onlyFields(req, Set.of("input_files", "endpoint", "model", "metadata", "timeout_hours", "requests",
                "agent_id"));
        if (req.hasNonNull("requests")) {
            throw ApiError.invalid("requests", "inline requests are not supported: upload a JSONL file to /v1/files "
                    + "and name it in input_files");
        }
        if (req.hasNonNull("agent_id")) {
            throw ApiError.invalid("agent_id", "agents are not supported; give a model");
        }
        JsonNode files = req.get("input_files");
        if (files == null || !files.isArray() || files.isEmpty() || files.size() > 100) {
            throw ApiError.invalid("input_files", "input_files must be a list of 1 to 100 file ids");
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode f : files) {
            if (!f.isTextual()) {
                throw ApiError.invalid("input_files", "input_files must hold file ids (strings)");
            }
            if (!ids.contains(f.textValue())) {
                ids.add(f.textValue());
            }
        }
        int hours = 24;
        JsonNode t = req.get("timeout_hours");
        if (t != null && !t.isNull()) {
            if (!t.isIntegralNumber() || t.asLong() < 1 || t.asLong() > MAX_TIMEOUT_HOURS) {
                throw ApiError.invalid("timeout_hours", "timeout_hours must be an integer from 1 to "
                        + MAX_TIMEOUT_HOURS);
            }
            hours = t.intValue();
        }
        return new BatchCreation.Request("mistral", text(req, "endpoint", true), text(req, "model", false), ids,
                metadata(req), Duration.ofHours(hours), "input_files");
    }

    static BatchCreation.Request openaiRequest(JsonNode req) {
        onlyFields(req, Set.of("input_file_id", "endpoint", "completion_window", "metadata",
                "output_expires_after"));
        String window = text(req, "completion_window", true);
        if (!window.equals("24h")) {
            throw ApiError.invalid("completion_window", "completion_window must be 24h");
        }
        return new BatchCreation.Request("openai", text(req, "endpoint", true), null,
                List.of(text(req, "input_file_id", true)), metadata(req), Duration.ofHours(24), "input_file_id");
    }
}
