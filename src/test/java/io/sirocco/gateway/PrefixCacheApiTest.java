package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.sirocco.gateway.TestKeys.Key;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A second turn reuses the first turn's prompt from the prefix cache: reported in usage and billed cheaper. */
@QuarkusTest
@TestProfile(ApiProfile.class)
class PrefixCacheApiTest extends ApiTestBase {
    static final String SYSTEM = "You are a careful assistant. ".repeat(12);

    static String body(String user) {
        return "{\"model\":\"mistral-tiny\",\"temperature\":0,\"max_tokens\":4,\"messages\":["
                + "{\"role\":\"system\",\"content\":\"" + SYSTEM + "\"},{\"role\":\"user\",\"content\":\"" + user + "\"}]}";
    }

    @Test
    void cachedPromptTokensAreReportedAndBilledAtTheCachedInputPrice() {
        Key key = keys.create(50, 1_000_000, List.of());
        Response first = given().header("Authorization", key.bearer()).contentType("application/json")
                .body(body("First question")).post("/v1/chat/completions");
        first.then().statusCode(200);
        Response second = given().header("Authorization", key.bearer()).contentType("application/json")
                .body(body("Second question")).post("/v1/chat/completions");
        second.then().statusCode(200);
        int prompt = second.path("usage.prompt_tokens");
        int completion = second.path("usage.completion_tokens");
        int cached = second.path("usage.prompt_tokens_details.cached_tokens");
        assertTrue(cached >= 64 && cached % 16 == 0 && cached < prompt, cached + " of " + prompt);
        assertEquals(cached, (int) second.path("usage.num_cached_tokens"));
        // mistral-tiny: 0.14 € in, 0.014 € cached in, 0.42 € out per million tokens
        BigDecimal expected = new BigDecimal("0.14").multiply(BigDecimal.valueOf(prompt - cached))
                .add(new BigDecimal("0.014").multiply(BigDecimal.valueOf(cached)))
                .add(new BigDecimal("0.42").multiply(BigDecimal.valueOf(completion))).movePointLeft(6);
        assertEquals(0, expected.compareTo(new BigDecimal(second.header("x-sirocco-cost-eur"))));
        assertEquals("completed " + prompt + " " + completion + " " + expected.stripTrailingZeros().toPlainString(),
                keys.ledger(key.orgId()).get(second.header("x-request-id")));
    }
}
