package io.sirocco.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.gateway.ApiProfile;
import io.sirocco.gateway.TestKeys;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * 1,000 requests through the real /v1 API (gateway + engine on the demo models): the org's invoice equals the
 * usage reported in the 1,000 responses priced by the book, line by line, and every x-sirocco-cost-eur header
 * equals that response's ledger row.
 */
@QuarkusTest
@TestProfile(ApiProfile.class)
class ApiThousandRequestsInvoiceTest {
    private static final String[] MODELS = {"mistral-tiny", "mistral-small", "mistral-medium", "mistral-embed"};
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one response told the client. */
    record Seen(String requestId, String model, long prompt, long cached, long completion, BigDecimal cost) {
    }

    @TestHTTPResource("/")
    URI base;
    @Inject
    TestKeys keys;
    @Inject
    Invoices invoices;
    @Inject
    AgroalDataSource db;

    @Test
    void invoiceEqualsTheUsageOfAThousandApiResponsesPricedByTheBook() throws Exception {
        TestKeys.Key key = keys.create();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest ready = HttpRequest.newBuilder(base.resolve("/q/health/ready")).build();
        await().atMost(3, TimeUnit.MINUTES).pollInterval(Duration.ofMillis(500))
                .until(() -> http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<Seen>> calls = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            int n = i;
            calls.add(pool.submit(() -> call(http, key, n)));
        }
        Map<String, long[]> tokens = new TreeMap<>();
        BigDecimal told = BigDecimal.ZERO;
        for (Future<Seen> f : calls) {
            Seen s = f.get();
            long[] t = tokens.computeIfAbsent(s.model(), m -> new long[3]);
            t[0] += s.prompt() - s.cached();
            t[1] += s.completion();
            t[2] += s.cached();
            told = told.add(s.cost());
            BigDecimal priced = LaunchPrices.cost(s.model(), s.prompt(), s.cached(), s.completion());
            assertEquals(0, priced.compareTo(s.cost()), "cost header of " + s.requestId());
            assertEquals(0, s.cost().compareTo(Fixtures.decimal(db,
                    "select cost_eur from usage_ledger where request_id = ?", s.requestId())), s.requestId());
        }
        pool.shutdown();

        LaunchPrices.Expected expected = LaunchPrices.invoice(tokens);
        Invoice inv = invoices.draft(key.orgId(), Months.of(Instant.now()));
        assertEquals(expected.lines(), inv.lines().size(), inv.lines().toString());
        for (InvoiceLine l : inv.lines()) {
            long[] t = tokens.get(l.model());
            int d = switch (l.direction()) {
                case InvoiceLine.INPUT -> 0;
                case InvoiceLine.OUTPUT -> 1;
                default -> 2;
            };
            assertEquals(t[d], l.tokens(), l.toString());
        }
        assertEquals(expected.subtotal(), inv.subtotalEur());
        assertEquals(1000, Fixtures.count(db, "select count(*) from usage_ledger where org_id = ?", key.orgId()));
        assertEquals(0, told.compareTo(Fixtures.decimal(db,
                "select sum(cost_eur) from usage_ledger where org_id = ?", key.orgId())));
        assertEquals(0, Fixtures.count(db, "select count(*) from budget_reservations where org_id = ?", key.orgId()));
    }

    private Seen call(HttpClient http, TestKeys.Key key, int n) throws Exception {
        String model = MODELS[n % MODELS.length];
        boolean embed = model.equals("mistral-embed");
        String body = embed
                ? "{\"model\":\"mistral-embed\",\"input\":[\"the wind number " + n + "\"]}"
                : "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Count to " + n
                + "\"}],\"max_tokens\":" + (1 + n % 5) + ",\"random_seed\":" + n + "}";
        HttpRequest req = HttpRequest.newBuilder(base.resolve(embed ? "/v1/embeddings" : "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(120)).header("Authorization", key.bearer())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, res.statusCode(), res.body());
        JsonNode usage = JSON.readTree(res.body()).get("usage");
        long prompt = usage.get("prompt_tokens").asLong();
        long completion = usage.has("completion_tokens") ? usage.get("completion_tokens").asLong() : 0;
        long cached = usage.has("prompt_tokens_details") ? usage.get("prompt_tokens_details").get("cached_tokens").asLong() : 0;
        return new Seen(res.headers().firstValue("x-request-id").orElseThrow(), model, prompt, cached, completion,
                new BigDecimal(res.headers().firstValue("x-sirocco-cost-eur").orElseThrow()));
    }
}
