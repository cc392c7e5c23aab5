package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.sirocco.gateway.TestKeys.Key;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Embeddings of a string and of a list, as floats and as base64 little-endian float32 (the same vectors). */
@QuarkusTest
@TestProfile(ApiProfile.class)
class EmbeddingsApiTest extends ApiTestBase {
    @Test
    void floatAndBase64AreTheSameUnitVectors() {
        Key key = keys.create();
        Response floats = given().header("Authorization", key.bearer()).contentType("application/json")
                .body("{\"model\":\"mistral-embed\",\"input\":[\"The wind\",\"blows from the Sahara\"]}")
                .post("/v1/embeddings");
        floats.then().statusCode(200)
                .header("x-request-id", notNullValue()).header("x-sirocco-cost-eur", notNullValue())
                .header("x-ratelimit-remaining-tokens", notNullValue())
                .body("object", equalTo("list")).body("id", startsWith("embd-"))
                .body("model", equalTo("mistral-embed"))
                .body("data", hasSize(2))
                .body("data[1].index", equalTo(1)).body("data[0].object", equalTo("embedding"))
                .body("data[0].embedding", hasSize(1024))
                .body("usage.prompt_tokens", greaterThan(0));
        List<Float> v0 = floats.path("data[0].embedding");
        double norm = v0.stream().mapToDouble(f -> f * f).sum();
        assertEquals(1.0, norm, 1e-3);

        Response b64 = given().header("Authorization", key.bearer()).contentType("application/json")
                .body("{\"model\":\"mistral-embed\",\"input\":\"The wind\",\"encoding_format\":\"base64\"}")
                .post("/v1/embeddings");
        b64.then().statusCode(200).body("data", hasSize(1));
        byte[] raw = Base64.getDecoder().decode((String) b64.path("data[0].embedding"));
        assertEquals(1024 * 4, raw.length);
        ByteBuffer le = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 1024; i++) {
            assertEquals(v0.get(i), le.getFloat(), 1e-6f, "dimension " + i);
        }
        int prompt = b64.path("usage.prompt_tokens");
        assertEquals("completed " + prompt + " 0 " + new java.math.BigDecimal("0.10").multiply(
                java.math.BigDecimal.valueOf(prompt)).movePointLeft(6).stripTrailingZeros().toPlainString(),
                keys.ledger(key.orgId()).get(b64.header("x-request-id")));
    }
}
