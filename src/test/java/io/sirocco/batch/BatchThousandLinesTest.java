package io.sirocco.batch;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.billing.Invoice;
import io.sirocco.billing.InvoiceLine;
import io.sirocco.billing.Invoices;
import io.sirocco.gateway.ModelRegistry;
import io.sirocco.gateway.TestKeys;
import io.sirocco.gateway.TestKeys.Key;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.sirocco.batch.BatchTesting.awaitMistral;
import static io.sirocco.batch.BatchTesting.lines;
import static io.sirocco.batch.BatchTesting.post;
import static io.sirocco.batch.BatchTesting.upload;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A 1,000-line job on the demo models: every result present once, and the invoice is the sum at batch prices. */
@QuarkusTest
@TestProfile(BatchProfile.class)
class BatchThousandLinesTest {
    @Inject
    TestKeys keys;
    @Inject
    ModelRegistry registry;
    @Inject
    Invoices invoices;

    @Test
    void everyLineAnsweredOnceAndInvoicedAtBatchPrices() throws Exception {
        await().atMost(Duration.ofSeconds(120)).until(registry::ready);
        Key key = keys.create();
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            in.append("{\"custom_id\":\"n").append(i).append("\",\"body\":{\"max_tokens\":2,\"temperature\":0,")
                    .append("\"messages\":[{\"role\":\"user\",\"content\":\"Number ").append(i).append("\"}]}}\n");
        }
        String file = upload(key, in.toString());
        String id = post(key, "/v1/batch/jobs", "{\"input_files\":[\"" + file
                + "\"],\"endpoint\":\"/v1/chat/completions\",\"model\":\"mistral-tiny\"}").then().statusCode(200)
                .extract().path("id");
        JsonNode done = awaitMistral(key, id, j -> j.get("status").asText().equals("SUCCESS"), Duration.ofMinutes(12));
        assertEquals(1000, done.get("succeeded_requests").asInt());
        List<JsonNode> results = lines(key, done.get("output_file").asText());
        Set<String> ids = new HashSet<>();
        long prompt = 0;
        long completion = 0;
        for (JsonNode r : results) {
            assertTrue(ids.add(r.get("custom_id").asText()));
            JsonNode usage = r.get("response").get("body").get("usage");
            prompt += usage.get("prompt_tokens").asLong() - usage.get("prompt_tokens_details").get("cached_tokens").asLong();
            completion += usage.get("completion_tokens").asLong();
        }
        assertEquals(1000, ids.size());
        assertEquals(1000, keys.ledger(key.orgId()).size());

        Invoice draft = invoices.draft(key.orgId(), YearMonth.now(ZoneOffset.UTC));
        BigDecimal in0 = new BigDecimal("0.07").multiply(BigDecimal.valueOf(prompt)).movePointLeft(6)
                .setScale(2, RoundingMode.HALF_EVEN);
        BigDecimal out0 = new BigDecimal("0.21").multiply(BigDecimal.valueOf(completion)).movePointLeft(6)
                .setScale(2, RoundingMode.HALF_EVEN);
        for (InvoiceLine l : draft.lines()) {
            assertEquals("mistral-tiny (batch)", l.model(), "batch usage on lines of its own");
            if (l.direction().equals(InvoiceLine.INPUT)) {
                assertEquals(prompt, l.tokens());
                assertEquals(0, new BigDecimal("0.07").compareTo(l.unitEurPerMTok()));
            } else if (l.direction().equals(InvoiceLine.OUTPUT)) {
                assertEquals(completion, l.tokens());
                assertEquals(0, new BigDecimal("0.21").compareTo(l.unitEurPerMTok()));
            }
        }
        BigDecimal cached = draft.lines().stream().filter(l -> l.direction().equals(InvoiceLine.CACHED))
                .map(InvoiceLine::amountEur).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertEquals(0, in0.add(out0).add(cached).compareTo(draft.subtotalEur()), "invoice = the sum at batch prices");
    }
}
