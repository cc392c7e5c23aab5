package io.sirocco.batch;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agroal.api.AgroalDataSource;
import io.sirocco.accounts.KeyPrincipal;
import io.sirocco.gateway.ApiError;
import io.sirocco.gateway.BatchLines;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Creates a batch job from its input files, validating every line first: the JSONL, the {@code custom_id} (present,
 * unique), the line's URL, and the body as the live endpoint itself checks it ({@link BatchLines#check}: the
 * request pipeline up to admission, in this process). Any invalid line refuses the whole job with a 422 that names
 * the lines; nothing is stored and no token is spent. Lines are read one at a time and stored in the job's
 * transaction as they pass.
 */
@ApplicationScoped
public class BatchCreation {
    /** The endpoints a batch line may call (the console offers these). */
    public static final Set<String> ENDPOINTS = Set.of("/v1/chat/completions", "/v1/embeddings", "/v1/fim/completions");
    /** At most this many invalid lines are listed in the refusal. */
    static final int MAX_LISTED_ERRORS = 20;
    private static final int CHECK_CHUNK = 32;
    private static final int MAX_CUSTOM_ID = 512;
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    @Inject
    AgroalDataSource db;
    @Inject
    Files files;
    @Inject
    BatchJobs jobs;
    @Inject
    BatchLines batchLines;
    @Inject
    BatchConfig config;
    @Inject
    io.sirocco.gateway.GatewayConfig gateway;

    /** Checks lines side by side: tokenizing a chunk of lines is the slow part of creating a job. */
    private final ExecutorService checks = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("sirocco-batch-check-", 0).factory());

    /** What a job is asked to do. {@code model}: Mistral's job-level model, put in lines that name none. */
    public record Request(String shape, String endpoint, String model, List<String> inputFileIds, String metadataJson,
                   Duration timeout, String filesParam) {
    }

    private record Checked(int lineNo, String customId, byte[] body, Future<BatchLines.Check> verdict) {
    }

    public BatchJob create(KeyPrincipal key, Request r) {
        if (!ENDPOINTS.contains(r.endpoint())) {
            throw ApiError.invalid("endpoint", "endpoint must be one of " + String.join(", ",
                    ENDPOINTS.stream().sorted().toList()) + "; got " + r.endpoint());
        }
        if (r.inputFileIds().isEmpty()) {
            throw ApiError.invalid(r.filesParam(), r.filesParam() + " must name at least one file");
        }
        List<StoredFile> inputs = new ArrayList<>();
        for (String id : r.inputFileIds()) {
            StoredFile f = files.get(key.orgId(), id);
            if (!f.sampleType().equals(Files.REQUESTS)) {
                throw ApiError.invalid(r.filesParam(), id + " is a result file of another job, not batch input");
            }
            inputs.add(f);
        }
        String jobId = "batch_" + Files.randomHex();
        List<String> errors = new ArrayList<>();
        int[] errorCount = {0};
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                insertJob(c, jobId, key, r);
                Totals totals = readLines(c, jobId, key, r, inputs, errors, errorCount);
                if (errorCount[0] > 0) {
                    c.rollback();
                    throw refusal(r, errors, errorCount[0]);
                }
                if (totals.lines == 0) {
                    c.rollback();
                    throw ApiError.invalid(r.filesParam(), "the input files hold no requests");
                }
                long queued = jobs.enqueuedTokens(c, key.orgId());
                if (queued + totals.tokens > config.maxEnqueuedTokensPerOrg()) {
                    c.rollback();
                    throw ApiError.rateLimited("batch_token_limit", "this job's lines need up to " + totals.tokens
                            + " tokens, and the organization already has " + queued + " queued in batch jobs; the "
                            + "limit is " + config.maxEnqueuedTokensPerOrg() + " (sirocco.batch.max-enqueued-tokens-"
                            + "per-org). Wait for running jobs to finish", 60);
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "update batch_jobs set total_requests = ?, enqueued_tokens = ? where id = ?")) {
                    ps.setInt(1, totals.lines);
                    ps.setLong(2, totals.tokens);
                    ps.setString(3, jobId);
                    ps.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not create batch job", e);
        }
        return jobs.get(key.orgId(), jobId);
    }

    private static ApiError refusal(Request r, List<String> errors, int count) {
        String listed = String.join("; ", errors);
        return ApiError.invalid(r.filesParam(), (count == 1 ? "1 invalid line: " : count + " invalid lines: ") + listed
                + (count > errors.size() ? "; … and " + (count - errors.size()) + " more" : "")
                + ". No line was run");
    }

    private void insertJob(Connection c, String jobId, KeyPrincipal key, Request r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                insert into batch_jobs (id, org_id, key_id, shape, endpoint, model, input_file_ids, metadata, state,
                    expires_at) values (?,?,?,?,?,?,?,cast(? as jsonb),'queued',?)""")) {
            ps.setString(1, jobId);
            ps.setObject(2, key.orgId());
            ps.setObject(3, key.keyId());
            ps.setString(4, r.shape());
            ps.setString(5, r.endpoint());
            ps.setString(6, r.model());
            ps.setArray(7, c.createArrayOf("varchar", r.inputFileIds().toArray()));
            ps.setString(8, r.metadataJson());
            ps.setTimestamp(9, Timestamp.from(Instant.now().plus(r.timeout())));
            ps.executeUpdate();
        }
    }

    private static final class Totals {
        int lines;
        long tokens;
    }

    private Totals readLines(Connection c, String jobId, KeyPrincipal key, Request r, List<StoredFile> inputs,
                             List<String> errors, int[] errorCount) throws SQLException {
        Totals totals = new Totals();
        Map<String, Integer> seen = new HashMap<>();
        List<Checked> pending = new ArrayList<>();
        int offset = 0;
        int requests = 0;
        try (PreparedStatement insert = c.prepareStatement("""
                insert into batch_lines (job_id, line_no, custom_id, body, est_tokens, request_id)
                values (?,?,?,?,?,?)""")) {
            for (StoredFile f : inputs) {
                int lastLine = 0;
                try (InputStream in = files.open(key.orgId(), f.id())) {
                    JsonlLines lines = new JsonlLines(in, (int) Math.min(Integer.MAX_VALUE, gateway.maxBodyBytes()));
                    for (JsonlLines.Line line; (line = lines.next()) != null; ) {
                        int no = offset + line.number();
                        lastLine = line.number();
                        if (++requests > config.maxLines()) {
                            errorCount[0]++;
                            errors.add("line " + no + ": the input files hold more than " + config.maxLines()
                                    + " lines, the most a job may have (sirocco.batch.max-lines)");
                            break;
                        }
                        Checked checked = parse(no, line, r, seen, errors, errorCount, key, jobId);
                        if (checked != null) {
                            pending.add(checked);
                        }
                        if (pending.size() >= CHECK_CHUNK) {
                            settle(pending, insert, jobId, totals, errors, errorCount);
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                offset += lastLine;
            }
            settle(pending, insert, jobId, totals, errors, errorCount);
        }
        return totals;
    }

    /** One line's own checks; returns it with its endpoint check under way, or null when it is invalid. */
    private Checked parse(int no, JsonlLines.Line line, Request r, Map<String, Integer> seen, List<String> errors,
                          int[] errorCount, KeyPrincipal key, String jobId) {
        if (line.tooLong()) {
            return error(errors, errorCount, no, "longer than " + gateway.maxBodyBytes() + " bytes, the largest "
                    + "request body the API takes");
        }
        JsonNode node;
        try {
            node = JSON.readTree(line.bytes());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return error(errors, errorCount, no, "not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (node == null || !node.isObject()) {
            return error(errors, errorCount, no, "must be a JSON object with custom_id and body");
        }
        JsonNode id = node.get("custom_id");
        if (id == null || id.isNull()) {
            return error(errors, errorCount, no, "custom_id is missing");
        }
        if (!id.isTextual() || id.textValue().isEmpty() || id.textValue().length() > MAX_CUSTOM_ID) {
            return error(errors, errorCount, no, "custom_id must be a string of 1 to " + MAX_CUSTOM_ID + " characters");
        }
        String customId = id.textValue();
        Integer earlier = seen.putIfAbsent(customId, no);
        if (earlier != null) {
            return error(errors, errorCount, no, "custom_id " + customId + " repeats line " + earlier);
        }
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!Set.of("custom_id", "body", "method", "url").contains(field)) {
                return error(errors, errorCount, no, "unknown field " + field);
            }
        }
        JsonNode method = node.get("method");
        if (method != null && !(method.isTextual() && method.textValue().equals("POST"))) {
            return error(errors, errorCount, no, "method must be POST");
        }
        JsonNode url = node.get("url");
        if (url != null && !(url.isTextual() && url.textValue().equals(r.endpoint()))) {
            return error(errors, errorCount, no, "url must be the job's endpoint " + r.endpoint());
        }
        JsonNode body = node.get("body");
        if (body == null || !body.isObject()) {
            return error(errors, errorCount, no, "body must be a JSON object: the request to " + r.endpoint());
        }
        ObjectNode b = (ObjectNode) body;
        if (r.model() != null) {
            JsonNode m = b.get("model");
            if (m == null || m.isNull()) {
                b.put("model", r.model());
            } else if (!m.isTextual() || !m.textValue().equals(r.model())) {
                return error(errors, errorCount, no, "body.model differs from the job's model " + r.model());
            }
        }
        JsonNode stream = b.get("stream");
        if (stream != null && stream.isBoolean() && stream.booleanValue()) {
            return error(errors, errorCount, no, "stream is not available in batch: results are written to a file");
        }
        if (errorCount[0] >= MAX_LISTED_ERRORS) {
            return null; // refused anyway: spend no more work on checking bodies
        }
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String requestId = requestId(jobId, no);
        Future<BatchLines.Check> verdict = checks.submit(() -> batchLines.check(r.endpoint(), key.keyId(), requestId,
                bytes));
        return new Checked(no, customId, bytes, verdict);
    }

    static String requestId(String jobId, int lineNo) {
        return jobId + "_" + lineNo;
    }

    /** Waits for the chunk's endpoint checks; stores the lines that passed. */
    private void settle(List<Checked> pending, PreparedStatement insert, String jobId, Totals totals,
                        List<String> errors, int[] errorCount) throws SQLException {
        for (Checked ch : pending) {
            BatchLines.Check verdict;
            try {
                verdict = ch.verdict().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiError.unavailable("interrupted", "the server is stopping; retry", 5);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("checking line " + ch.lineNo() + " failed", e.getCause());
            }
            ApiError refusal = verdict.refusal();
            if (refusal != null && refusal.status() == 503) {
                throw ApiError.unavailable("models_loading", "the models are not ready to check the lines; retry", 5);
            }
            if (refusal != null) {
                error(errors, errorCount, ch.lineNo(), refusal.getMessage());
                continue;
            }
            long est = (long) verdict.estimate().promptTokens() + verdict.estimate().maxNewTokens();
            insert.setString(1, jobId);
            insert.setInt(2, ch.lineNo());
            insert.setString(3, ch.customId());
            insert.setString(4, new String(ch.body(), StandardCharsets.UTF_8));
            insert.setInt(5, (int) Math.min(Integer.MAX_VALUE, est));
            insert.setString(6, requestId(jobId, ch.lineNo()));
            insert.addBatch();
            totals.lines++;
            totals.tokens += est;
        }
        if (errorCount[0] == 0 && !pending.isEmpty()) {
            insert.executeBatch();
        } else {
            insert.clearBatch();
        }
        pending.clear();
    }

    private static Checked error(List<String> errors, int[] count, int line, String message) {
        count[0]++;
        if (errors.size() < MAX_LISTED_ERRORS) {
            errors.add("line " + line + ": " + message);
        }
        return null;
    }
}
