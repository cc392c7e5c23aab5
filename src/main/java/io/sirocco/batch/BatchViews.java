package io.sirocco.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A batch job as each API shows it: Mistral's {@code /v1/batch/jobs} and OpenAI's {@code /v1/batches}. */
final class BatchViews {
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private BatchViews() {
    }

    static Map<String, Object> mistral(BatchJob j) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", j.id());
        out.put("object", "batch");
        out.put("input_files", j.inputFileIds());
        out.put("metadata", metadata(j));
        out.put("endpoint", j.endpoint());
        out.put("model", j.model());
        out.put("output_file", j.outputFileId());
        out.put("error_file", j.errorFileId());
        out.put("errors", j.pauseReason() == null ? List.of()
                : List.of(Map.of("message", "paused: " + j.pauseReason(), "count", 1)));
        out.put("status", switch (j.state()) {
            case BatchJobs.QUEUED -> "QUEUED";
            case BatchJobs.RUNNING -> "RUNNING";
            case BatchJobs.SUCCEEDED -> "SUCCESS";
            case BatchJobs.FAILED -> "FAILED";
            case BatchJobs.TIMEOUT -> "TIMEOUT_EXCEEDED";
            case BatchJobs.CANCELLING -> "CANCELLATION_REQUESTED";
            default -> "CANCELLED";
        });
        out.put("created_at", j.createdAt().getEpochSecond());
        out.put("total_requests", j.total());
        out.put("completed_requests", j.answered());
        out.put("succeeded_requests", j.succeeded());
        out.put("failed_requests", j.failed());
        out.put("started_at", seconds(j.startedAt()));
        out.put("completed_at", seconds(j.completedAt()));
        sirocco(out, j);
        return out;
    }

    static Map<String, Object> openai(BatchJob j) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", j.id());
        out.put("object", "batch");
        out.put("endpoint", j.endpoint());
        out.put("errors", null);
        out.put("input_file_id", j.inputFileIds().getFirst());
        out.put("completion_window", "24h");
        String status = switch (j.state()) {
            case BatchJobs.QUEUED, BatchJobs.RUNNING -> "in_progress";
            case BatchJobs.SUCCEEDED -> "completed";
            case BatchJobs.FAILED -> "failed";
            case BatchJobs.TIMEOUT -> "expired";
            case BatchJobs.CANCELLING -> "cancelling";
            default -> "cancelled";
        };
        out.put("status", status);
        out.put("output_file_id", j.outputFileId());
        out.put("error_file_id", j.errorFileId());
        out.put("created_at", j.createdAt().getEpochSecond());
        out.put("in_progress_at", seconds(j.startedAt() != null ? j.startedAt() : j.createdAt()));
        out.put("expires_at", j.expiresAt().getEpochSecond());
        out.put("finalizing_at", null);
        out.put("completed_at", status.equals("completed") ? seconds(j.completedAt()) : null);
        out.put("failed_at", status.equals("failed") ? seconds(j.completedAt()) : null);
        out.put("expired_at", status.equals("expired") ? seconds(j.completedAt()) : null);
        out.put("cancelling_at", seconds(j.cancelledAt()));
        out.put("cancelled_at", status.equals("cancelled") ? seconds(j.completedAt()) : null);
        out.put("request_counts", Map.of("total", j.total(), "completed", j.succeeded(), "failed", j.failed()));
        out.put("metadata", metadata(j));
        sirocco(out, j);
        return out;
    }

    /** Sirocco's own fields, in both shapes: the cost so far and why the job waits. */
    private static void sirocco(Map<String, Object> out, BatchJob j) {
        out.put("cost_eur", j.costEur().stripTrailingZeros().toPlainString());
        out.put("paused_reason", j.pauseReason());
    }

    private static JsonNode metadata(BatchJob j) {
        try {
            return j.metadataJson() == null ? null : JSON.readTree(j.metadataJson());
        } catch (IOException e) {
            return null;
        }
    }

    private static Long seconds(Instant at) {
        return at == null ? null : at.getEpochSecond();
    }
}
