package io.sirocco.batch;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A batch job as stored: {@code state} is one of {@link BatchJobs}' states; the counts are answered lines.
 * {@code costEur} is what its lines have cost so far (ledger rows).
 */
public record BatchJob(String id, UUID orgId, UUID keyId, String shape, String endpoint, String model,
                       List<String> inputFileIds, String metadataJson, String state, String pauseReason,
                       int total, int succeeded, int failed, long enqueuedTokens, String outputFileId,
                       String errorFileId, Instant createdAt, Instant startedAt, Instant completedAt,
                       Instant cancelledAt, Instant expiresAt, BigDecimal costEur) {

    public boolean open() {
        return BatchJobs.OPEN.contains(state);
    }

    public int answered() {
        return succeeded + failed;
    }
}
