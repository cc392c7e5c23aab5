package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.gateway.TestKeys.Key;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many streaming clients at once, over every chat tier and two organizations: none gets a 5xx, every stream is
 * well formed, and the usage recorded for each request (ledger row written by settle, then the usage event)
 * matches what its stream reported, one for one.
 */
@QuarkusTest
@TestProfile(ApiProfile.class)
class ConcurrentStreamsTest extends ApiTestBase {
    static final int CLIENTS = 24;
    static final String[] TIERS = {"mistral-tiny", "mistral-small", "mistral-medium"};

    @Test
    void manyConcurrentStreamsAllSucceedAndAreBilledOneForOne() throws Exception {
        Key a = keys.create();
        Key b = keys.create();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Key key = i % 2 == 0 ? a : b;
            String body = "{\"model\":\"" + TIERS[i % TIERS.length] + "\",\"stream\":true,\"max_tokens\":" + (4 + i % 7)
                    + ",\"random_seed\":" + i + ",\"messages\":[{\"role\":\"user\",\"content\":\"Client " + i + " says hi\"}]}";
            calls.add(http.sendAsync(jsonPost(key, "v1/chat/completions", body, Duration.ofSeconds(240)),
                    HttpResponse.BodyHandlers.ofByteArray()));
        }
        Map<String, String> expected = new HashMap<>();
        for (CompletableFuture<HttpResponse<byte[]>> call : calls) {
            HttpResponse<byte[]> r = call.get(300, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), new String(r.body()));
            List<Map<String, Object>> chunks = ChatApiTest.Sse.parse(r.body());
            @SuppressWarnings("unchecked") Map<String, Object> usage = (Map<String, Object>) chunks.getLast().get("usage");
            String id = r.headers().firstValue("x-request-id").orElseThrow();
            expected.put(id, "completed " + usage.get("prompt_tokens") + " " + usage.get("completion_tokens") + " "
                    + new BigDecimal((String) usage.get("cost_eur")).stripTrailingZeros().toPlainString());
        }
        assertEquals(CLIENTS, expected.size(), "distinct request ids");
        Map<String, String> ledger = new HashMap<>(keys.ledger(a.orgId()));
        ledger.putAll(keys.ledger(b.orgId()));
        assertEquals(expected, ledger);
        for (ModelTier t : ModelTier.ALL) {
            TierQueue q = registry.get(t.id()).orElseThrow().queue();
            assertTrue(q.running() == 0 && q.waiting() == 0, t.id() + " queue drained");
        }
    }
}
