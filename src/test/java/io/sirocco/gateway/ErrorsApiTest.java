package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import io.sirocco.gateway.TestKeys.Key;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.containsString;

/** Every error status of the API, each with the exact error shape and an x-request-id. */
@QuarkusTest
@TestProfile(ApiProfile.class)
class ErrorsApiTest extends ApiTestBase {
    static final String CHAT = "{\"model\":\"mistral-tiny\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    /** The error body is exactly {object, error{message,type,param,code}, message, type}. */
    static ValidatableResponse error(ValidatableResponse r, int status, String type, String code) {
        return r.statusCode(status)
                .contentType("application/json")
                .header("x-request-id", matchesPattern("[0-9a-f]{24}"))
                .body("size()", equalTo(4))
                .body("object", equalTo("error"))
                .body("error.size()", equalTo(4))
                .body("error.type", equalTo(type))
                .body("type", equalTo(type))
                .body("error.code", equalTo(code))
                .body("error.message", notNullValue())
                .body("message", notNullValue())
                .body(not(containsString("at io.")))
                .body(not(containsString("Exception")));
    }

    @Test
    void unauthenticated401() {
        error(given().contentType("application/json").body(CHAT).post("/v1/chat/completions").then(),
                401, "authentication_error", "invalid_api_key");
        error(given().header("Authorization", "Bearer sk-" + "A".repeat(43)).contentType("application/json")
                .body(CHAT).post("/v1/chat/completions").then(), 401, "authentication_error", "invalid_api_key");
        error(given().header("Authorization", "Basic YWRtaW46YWRtaW4=").get("/v1/models").then(),
                401, "authentication_error", "invalid_api_key");
        error(given().header("Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln").get("/v1/models").then(),
                401, "authentication_error", "invalid_api_key");
        // RFC 6750: a 401 names the scheme it wants
        given().get("/v1/models").then().statusCode(401).header("WWW-Authenticate", equalTo("Bearer realm=\"sirocco\""));
        given().header("Authorization", "Bearer sk-" + "B".repeat(43)).contentType("application/json").body(CHAT)
                .post("/v1/chat/completions").then().statusCode(401)
                .header("WWW-Authenticate", equalTo("Bearer realm=\"sirocco\", error=\"invalid_token\""));
    }

    @Test
    void modelNotAllowed403AndUnknown404() {
        Key onlyTiny = keys.create(100, 100_000, List.of("mistral-tiny"));
        error(given().header("Authorization", onlyTiny.bearer()).contentType("application/json")
                .body(CHAT.replace("mistral-tiny", "mistral-medium")).post("/v1/chat/completions").then(),
                403, "permission_error", "model_not_allowed").body("error.param", equalTo("model"));
        error(given().header("Authorization", onlyTiny.bearer()).get("/v1/models/mistral-small").then(),
                403, "permission_error", "model_not_allowed");
        Key key = keys.create();
        error(given().header("Authorization", key.bearer()).contentType("application/json")
                .body(CHAT.replace("mistral-tiny", "gpt-4")).post("/v1/chat/completions").then(),
                404, "not_found_error", "model_not_found");
        error(given().header("Authorization", key.bearer()).get("/v1/models/gpt-4").then(),
                404, "not_found_error", "model_not_found");
        error(given().header("Authorization", key.bearer()).get("/v1/nothing-here").then(),
                404, "not_found_error", "not_found");
        error(given().header("Authorization", key.bearer()).get("/v1/chat/completions").then(),
                405, "invalid_request_error", "method_not_allowed");
    }

    @Test
    void malformed400AndInvalid422() {
        Key key = keys.create();
        error(post(key, "{\"model\":"), 400, "invalid_request_error", "invalid_json");
        error(post(key, CHAT.replace("}]}", "}],\"temperature\":2}")), 422, "invalid_request_error", "invalid_value")
                .body("error.param", equalTo("temperature"));
        error(post(key, CHAT.replace("}]}", "}],\"top_p\":0}")), 422, "invalid_request_error", "invalid_value")
                .body("error.param", equalTo("top_p"));
        error(post(key, CHAT.replace("\"max_tokens\":2", "\"max_tokens\":0")), 422, "invalid_request_error", "invalid_value")
                .body("error.param", equalTo("max_tokens"));
        error(post(key, CHAT.replace("}]}", "}],\"logit_bias\":{\"42\":1}}")), 422, "invalid_request_error", "unknown_field")
                .body("error.param", equalTo("logit_bias"));
        error(post(key, CHAT.replace("}]}", "}],\"frequency_penalty\":2.5}")), 422, "invalid_request_error", "invalid_value")
                .body("error.param", equalTo("frequency_penalty"));
        error(post(key, CHAT.replace("\"role\":\"user\",", "\"role\":\"user\",\"mood\":1,")), 422,
                "invalid_request_error", "unknown_field").body("error.param", equalTo("messages[0].mood"));
        error(post(key, CHAT.replace("\"max_tokens\":2", "\"max_tokens\":\"2\"")), 422, "invalid_request_error", "invalid_value")
                .body("error.param", equalTo("max_tokens"));
        error(post(key, CHAT.replace("\"role\":\"user\"", "\"role\":\"robot\"")), 422, "invalid_request_error", "invalid_value")
                .body("error.param", equalTo("messages[0].role"));
        error(post(key, "{\"model\":\"mistral-tiny\",\"messages\":[]}"), 422, "invalid_request_error", "invalid_value")
                .body("error.param", equalTo("messages"));
        error(post(key, CHAT.replace("mistral-tiny", "mistral-embed")), 422, "invalid_request_error", "invalid_value");
    }

    @Test
    void oversizedBody413() {
        Key key = keys.create();
        String big = "{\"model\":\"mistral-tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(1_100_000) + "\"}]}";
        error(post(key, big), 413, "invalid_request_error", "request_too_large");
    }

    /** curl sends Expect: 100-continue for larger bodies: refuse an oversized one before it is sent, else continue. */
    @Test
    void expectContinue() throws Exception {
        Key key = keys.create();
        try (java.net.Socket s = new java.net.Socket("localhost", base.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: " + key.bearer()
                    + "\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String head = new String(s.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII);
            org.junit.jupiter.api.Assertions.assertEquals("HTTP/1.1 413", head);
        }
        try (java.net.Socket s = new java.net.Socket("localhost", base.getPort())) {
            s.setSoTimeout(10_000);
            byte[] body = CHAT.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: " + key.bearer()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String cont = new String(s.getInputStream().readNBytes(25), java.nio.charset.StandardCharsets.US_ASCII);
            org.junit.jupiter.api.Assertions.assertTrue(cont.startsWith("HTTP/1.1 100 Continue"), cont);
            s.getOutputStream().write(body);
            String rest = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            org.junit.jupiter.api.Assertions.assertTrue(rest.contains("HTTP/1.1 200 OK"), rest);
        }
    }

    @Test
    void rateLimited429WithRetryAfterAndHeaders() {
        Key key = keys.create(2, 1_000_000, List.of());
        keys.awaitWindowWithRoom(15);
        given().header("Authorization", key.bearer()).get("/v1/models").then().statusCode(200)
                .header("x-ratelimit-remaining-requests", "1");
        given().header("Authorization", key.bearer()).get("/v1/models").then().statusCode(200)
                .header("x-ratelimit-remaining-requests", "0");
        error(given().header("Authorization", key.bearer()).contentType("application/json").body(CHAT)
                .post("/v1/chat/completions").then(), 429, "rate_limit_error", "rate_limit_requests")
                .header("Retry-After", matchesPattern("\\d+"))
                .header("x-ratelimit-limit-requests", "2")
                .header("x-ratelimit-remaining-requests", "0")
                .header("x-ratelimit-limit-tokens", "1000000")
                .header("x-ratelimit-reset-requests", matchesPattern("\\d+s"));
        // tokens per minute: a tiny budget is spent by the first request, the second is refused
        Key tokens = keys.create(100, 5, List.of());
        given().header("Authorization", tokens.bearer()).contentType("application/json").body(CHAT)
                .post("/v1/chat/completions").then().statusCode(200);
        error(given().header("Authorization", tokens.bearer()).contentType("application/json").body(CHAT)
                .post("/v1/chat/completions").then(), 429, "rate_limit_error", "rate_limit_tokens")
                .header("Retry-After", notNullValue()).header("x-ratelimit-remaining-tokens", "0");
    }

    @Inject
    io.agroal.api.AgroalDataSource db;

    @Test
    void budgetExceeded402FromMeteringAdmit() throws Exception {
        Key key = keys.create();
        try (var c = db.getConnection(); var ps = c.prepareStatement(
                "insert into spend_caps (scope, scope_id, org_id, monthly_cap_eur) values ('org', ?, ?, 0.000001)")) {
            ps.setObject(1, key.orgId());
            ps.setObject(2, key.orgId());
            ps.executeUpdate();
        }
        error(given().header("Authorization", key.bearer()).contentType("application/json")
                .body(CHAT.replace("\"max_tokens\":2", "\"max_tokens\":100")).post("/v1/chat/completions").then(),
                402, "billing_error", "budget_exceeded")
                .body("error.message", containsString("organization monthly cap"))
                .header("x-ratelimit-remaining-requests", notNullValue());
        org.junit.jupiter.api.Assertions.assertTrue(keys.ledger(key.orgId()).isEmpty(), "nothing admitted, nothing billed");
    }

    @Test
    void budgetExceededMapsTo402() {
        var e = ErrorResponses.map(new io.sirocco.billing.BudgetExceededException(io.sirocco.billing.BudgetCap.ORG_MONTHLY,
                java.time.LocalDate.of(2027, 1, 1)), "r1");
        org.junit.jupiter.api.Assertions.assertEquals(402, e.status());
        org.junit.jupiter.api.Assertions.assertEquals("billing_error", e.type());
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("organization monthly cap"));
        var internal = ErrorResponses.map(new NullPointerException("secret detail"), "r2");
        org.junit.jupiter.api.Assertions.assertEquals(500, internal.status());
        org.junit.jupiter.api.Assertions.assertFalse(internal.getMessage().contains("secret"));
    }

    @Test
    void everyEngineRefusalMapsToA4xxOr503NeverA500() {
        for (var kind : io.sirocco.engine.EngineException.Kind.values()) {
            var e = ErrorResponses.map(new io.sirocco.engine.EngineException(kind, "RabbitMQ is unavailable"), "r",
                    k -> "input");
            org.junit.jupiter.api.Assertions.assertTrue(e.status() < 500 || e.status() == 503, kind + " → " + e.status());
        }
    }

    @Test
    void anOverlongPromptIsRefusedOnItsLengthAndStillCountsTowardTheRequestLimit() {
        Key key = keys.create(2, 1_000_000, List.of());
        keys.awaitWindowWithRoom(15);
        String huge = "x".repeat(900_000);
        error(post(key, CHAT.replace("\"content\":\"hi\"", "\"content\":\"" + huge + "\"")), 422,
                "invalid_request_error", "invalid_value").body("error.param", equalTo("messages"));
        error(given().header("Authorization", key.bearer()).contentType("application/json")
                .body("{\"model\":\"mistral-embed\",\"input\":[\"ok\",\"" + huge + "\"]}").post("/v1/embeddings").then(),
                422, "invalid_request_error", "invalid_value").body("error.param", equalTo("input"));
        error(post(key, CHAT), 429, "rate_limit_error", "rate_limit_requests");
    }

    private static ValidatableResponse post(Key key, String body) {
        return given().header("Authorization", key.bearer()).contentType("application/json").body(body)
                .post("/v1/chat/completions").then();
    }
}
