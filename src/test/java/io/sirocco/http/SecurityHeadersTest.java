package io.sirocco.http;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every page is served with the hardening headers from the one filter; cookies are HttpOnly and SameSite. */
@QuarkusTest
class SecurityHeadersTest {

    @Test
    void pagesCarryAStrictContentSecurityPolicy() {
        for (String page : List.of("/", "/waitlist", "/waitlist/status/" + "A".repeat(43))) {
            given().get(page).then()
                    .header("Content-Security-Policy", containsString("script-src 'self';"))
                    .header("Content-Security-Policy", containsString("default-src 'self'"))
                    .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                    .header("Content-Security-Policy", containsString("object-src 'none'"))
                    .header("X-Frame-Options", equalTo("DENY"))
                    .header("X-Content-Type-Options", equalTo("nosniff"))
                    .header("Referrer-Policy", equalTo("same-origin"))
                    .header("Strict-Transport-Security", nullValue()); // plain HTTP: no HSTS
        }
    }

    @Test
    void everythingElseIsNosniffAndSameOriginReferrer() {
        for (Response r : List.of(given().get("/static/sirocco.css"), given().get("/v1/models"),
                given().get("/q/health/live"))) {
            assertEquals("nosniff", r.header("X-Content-Type-Options"));
            assertEquals("same-origin", r.header("Referrer-Policy"));
            assertEquals(null, r.header("Content-Security-Policy"), "CSP is for pages");
        }
    }

    @Test
    void signInCookiesAreHttpOnlyAndSameSite() {
        // a protected page without a session: the OIDC state cookie is set on the redirect to Keycloak
        List<String> cookies = given().redirects().follow(false).get("/console/keys").then().statusCode(302)
                .extract().headers().getValues("Set-Cookie");
        assertFalse(cookies.isEmpty(), "the sign-in sets a state cookie");
        for (String c : cookies) {
            assertTrue(c.toLowerCase().contains("httponly"), c);
            assertTrue(c.toLowerCase().contains("samesite=lax") || c.toLowerCase().contains("samesite=strict"), c);
        }
    }

    @Test
    void rawSetCookieHeadersAreCompletedAndSecureOnTls() {
        assertEquals("a=b; HttpOnly; SameSite=Lax", SecurityHeaders.hardened("a=b", false));
        assertEquals("a=b; HttpOnly; SameSite=Lax; Secure", SecurityHeaders.hardened("a=b", true));
        assertEquals("a=b; Path=/; HttpOnly; SameSite=Strict; Secure",
                SecurityHeaders.hardened("a=b; Path=/; HttpOnly; SameSite=Strict; Secure", true));
    }

    @Test
    void noTemplateHasInlineScriptOrStyle() throws Exception {
        try (Stream<Path> files = Files.walk(Path.of("src/main/resources/templates"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String html = Files.readString(f);
                assertFalse(html.matches("(?s).*<script(?![^>]*\\bsrc=)[^>]*>.*"), "inline script in " + f);
                assertFalse(html.matches("(?s).*\\son[a-z]+=\".*"), "inline event handler in " + f);
                assertFalse(html.matches("(?s).*\\sstyle=\".*") || html.contains("<style"), "inline style in " + f);
            }
        }
    }
}
