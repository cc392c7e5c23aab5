package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.gateway.ApiProfile;
import io.sirocco.gateway.TestKeys;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Caps through the real /v1 API: 402 naming the cap and its reset date, and nothing reserved afterwards. */
@QuarkusTest
@TestProfile(ApiProfile.class)
class ApiBudgetTest {
    @Inject
    TestKeys keys;
    @Inject
    BillingAccounts accounts;
    @Inject
    AgroalDataSource db;

    @Test
    void exhaustedKeyCapAnswers402WithCapAndResetDate() {
        await().atMost(3, TimeUnit.MINUTES).until(() -> given().get("/q/health/ready").statusCode() == 200);
        TestKeys.Key key = keys.create();
        accounts.setKeyCap(key.orgId(), key.keyId(), new BigDecimal("0.000001")); // below any worst case
        given().header("Authorization", key.bearer()).contentType("application/json")
                .body("{\"model\":\"mistral-medium\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":50}")
                .post("/v1/chat/completions")
                .then().statusCode(402)
                .header("x-request-id", org.hamcrest.Matchers.notNullValue())
                .body("error.code", equalTo("budget_exceeded"))
                .body("error.message", containsString("key monthly cap"))
                .body("error.message", containsString("resets on " + Months.resetDate(Instant.now())));
        assertEquals(0, Fixtures.count(db, "select count(*) from budget_reservations where org_id = ?", key.orgId()));
        assertEquals(0, Fixtures.count(db, "select count(*) from usage_ledger where org_id = ?", key.orgId()));
    }
}
