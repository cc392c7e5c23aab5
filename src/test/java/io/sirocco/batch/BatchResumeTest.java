package io.sirocco.batch;

import com.fasterxml.jackson.databind.JsonNode;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.billing.Admission;
import io.sirocco.billing.Metering;
import io.sirocco.billing.RequestTags;
import io.sirocco.billing.UsageStatus;
import io.sirocco.gateway.ModelRegistry;
import io.sirocco.gateway.TestKeys;
import io.sirocco.gateway.TestKeys.Key;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.sirocco.batch.BatchTesting.awaitMistral;
import static io.sirocco.batch.BatchTesting.lines;
import static io.sirocco.batch.BatchTesting.post;
import static io.sirocco.batch.BatchTesting.upload;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a node killed mid-job leaves behind, and how the next run resumes it: a line that ran and was billed but whose
 * answer was never stored, a line with an open reservation, a line under a lapsed lease. Every custom_id is answered
 * once and every line has one ledger row: the billed line keeps its original row. Also the admin's global pause.
 */
@QuarkusTest
@TestProfile(BatchProfile.class)
class BatchResumeTest {
    @Inject
    TestKeys keys;
    @Inject
    ModelRegistry registry;
    @Inject
    BatchJobs jobs;
    @Inject
    Metering metering;
    @Inject
    AgroalDataSource db;

    @Test
    void aJobLeftByACrashIsAnsweredAndBilledOncePerLine() throws Exception {
        await().atMost(Duration.ofSeconds(120)).until(registry::ready);
        Key key = keys.create();
        StringBuilder in = new StringBuilder();
        for (int i = 1; i <= 6; i++) {
            in.append("{\"custom_id\":\"r").append(i).append("\",\"body\":{\"max_tokens\":2,")
                    .append("\"messages\":[{\"role\":\"user\",\"content\":\"x").append(i).append("\"}]}}\n");
        }
        String file = upload(key, in.toString());
        jobs.pauseAll(true);
        String id;
        try {
            id = post(key, "/v1/batch/jobs", "{\"input_files\":[\"" + file
                    + "\"],\"endpoint\":\"/v1/chat/completions\",\"model\":\"mistral-tiny\"}").then().statusCode(200)
                    .extract().path("id");
            Thread.sleep(600); // a few runner ticks: paused, nothing may start
            assertEquals(0, jobs.get(key.orgId(), id).answered());
            assertTrue(keys.ledger(key.orgId()).isEmpty());
            // the crashed run: line 1 ran and was billed, its answer lost; line 2 admitted (reserved) and lost;
            // line 3 held under a lease that has lapsed
            Admission billed = metering.admitBatchLine(id + "_1", key.orgId(), key.keyId(), "mistral-tiny", 5, 2,
                    RequestTags.NONE);
            metering.settle(billed, 5, 2, UsageStatus.COMPLETED);
            metering.admitBatchLine(id + "_2", key.orgId(), key.keyId(), "mistral-tiny", 5, 2, RequestTags.NONE);
            // line 4's first run failed after admission (a queue timeout or a lost worker): it must not take the
            // line's ledger row, or the run that answers it would go unbilled
            Admission failed = metering.admitBatchLine(id + "_4", key.orgId(), key.keyId(), "mistral-tiny", 5, 2,
                    RequestTags.NONE);
            metering.settle(failed, 5, 1, UsageStatus.FAILED);
            assertNull(keys.ledger(key.orgId()).get(id + "_4"), "a failed run of a batch line writes no row");
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "update batch_lines set claimed_until = now() - interval '1 second' where job_id = ? and line_no = 3")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
        } finally {
            jobs.pauseAll(false);
        }
        JsonNode done = awaitMistral(key, id, j -> j.get("status").asText().equals("SUCCESS"), Duration.ofMinutes(3));
        assertEquals(6, done.get("succeeded_requests").asInt());
        List<JsonNode> results = lines(key, done.get("output_file").asText());
        Set<String> ids = new HashSet<>();
        results.forEach(r -> assertTrue(ids.add(r.get("custom_id").asText())));
        assertEquals(6, ids.size(), "every custom_id once");
        Map<String, String> ledger = keys.ledger(key.orgId());
        assertEquals(6, ledger.size(), "one ledger row per line");
        assertEquals("completed 5 2 0.00000077", ledger.get(id + "_1"), "the billed line keeps its first row");
        assertTrue(ledger.get(id + "_4").startsWith("completed "), "the run that answered line 4 is billed: "
                + ledger.get(id + "_4"));
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select count(*) from budget_reservations where request_id like ?")) {
            ps.setString(1, id + "%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(0, rs.getInt(1), "no reservation left behind");
            }
        }
    }
}
