package io.sirocco.accounts;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

/** With Keycloak unreachable, sign-in answers a clean 503 while public pages, /q and /v1 are unaffected. */
@QuarkusTest
@TestProfile(OidcUnavailableTest.KeycloakDown.class)
class OidcUnavailableTest {

    public static class KeycloakDown implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sirocco.keycloak.url", "http://127.0.0.1:9");
        }
    }

    @Test
    void signInPagesAnswer503() {
        given().redirects().follow(false).get("/console/keys").then().statusCode(503)
                .body(containsString("temporarily unavailable")).body(not(containsString("Exception")));
        given().redirects().follow(false).get("/admin/waitlist").then().statusCode(503);
    }

    @Test
    void jsonRoutesAnswer503Or401ButNever500() {
        given().auth().oauth2("eyJhbGciOiJSUzI1NiJ9.e30.c2ln").redirects().follow(false).get("/api/admin/waitlist")
                .then().statusCode(org.hamcrest.Matchers.anyOf(equalTo(503), equalTo(401)));
        given().redirects().follow(false).get("/api/console/orgs").then().statusCode(401);
    }

    @Test
    void publicPathsKeepWorking() {
        given().get("/").then().statusCode(200).body(containsString("waitlist-form"));
        given().get("/q/health/live").then().statusCode(200);
        given().redirects().follow(false).get("/v1/models").then().statusCode(not(equalTo(503)));
    }
}
