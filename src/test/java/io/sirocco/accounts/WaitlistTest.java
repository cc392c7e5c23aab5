package io.sirocco.accounts;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The public waitlist: signup (JSON and form), positions, idempotence, validation, escaping, rate limit, events. */
@QuarkusTest
class WaitlistTest extends AccountsTestBase {

    @Test
    void signupGivesAPositionAndDuplicatesAreIdempotent() {
        String email = Fixtures.uniqueEmail("wl");
        Map<String, Object> first = given().contentType(ContentType.JSON)
                .body(Map.of("email", email, "name", "Ada", "company", "Analytical", "intended_use", "poems"))
                .post("/api/waitlist").then().statusCode(201)
                .body("status", equalTo("waiting")).body("duplicate", equalTo(false))
                .extract().as(Map.class);
        assertTrue(((Number) first.get("position")).longValue() >= 1);
        String statusUrl = (String) first.get("status_url");
        assertTrue(statusUrl.matches(".*/waitlist/status/[A-Za-z0-9_-]{43}"), statusUrl);

        // Same email, different case and spacing: same entry and position, no second token.
        given().contentType(ContentType.JSON).body(Map.of("email", "  " + email.toUpperCase() + " ", "name", "Other"))
                .post("/api/waitlist").then().statusCode(200)
                .body("id", equalTo(first.get("id"))).body("position", equalTo(first.get("position")))
                .body("duplicate", equalTo(true)).body("name", equalTo("Ada")).body("$", not(org.hamcrest.Matchers.hasKey("status_url")));

        // Status by token, JSON and page; the link was also emailed.
        String token = statusUrl.substring(statusUrl.lastIndexOf('/') + 1);
        assertEquals(token, Fixtures.statusToken(mailbox, email));
        given().get("/api/waitlist/status/" + token).then().statusCode(200)
                .body("email", equalTo(email)).body("position", equalTo(first.get("position")));
        given().get("/waitlist/status/" + token).then().statusCode(200)
                .body(containsString("You are number <strong id=\"position-number\">" + first.get("position")));
        given().get("/waitlist/status/" + "A".repeat(43)).then().statusCode(404);
        given().get("/api/waitlist/status/nope").then().statusCode(404).body("error.code", equalTo("not_found"));
    }

    @Test
    void laterSignupsQueueBehindEarlierOnes() {
        Map<String, Object> a = Fixtures.signup(Fixtures.uniqueEmail("q1"), "First");
        Map<String, Object> b = Fixtures.signup(Fixtures.uniqueEmail("q2"), "Second");
        assertTrue(((Number) b.get("position")).longValue() > ((Number) a.get("position")).longValue());
    }

    @Test
    void invalidInputIsRejectedWithAMessage() {
        given().contentType(ContentType.JSON).body(Map.of("email", "not-an-email", "name", "X"))
                .post("/api/waitlist").then().statusCode(400)
                .body("object", equalTo("error")).body("error.param", equalTo("email"))
                .body("error.message", containsString("email"));
        given().contentType(ContentType.JSON).body(Map.of("email", Fixtures.uniqueEmail("noname")))
                .post("/api/waitlist").then().statusCode(400).body("error.param", equalTo("name"));
        given().contentType(ContentType.JSON).body(Map.of("email", Fixtures.uniqueEmail("long"), "name", "x".repeat(201)))
                .post("/api/waitlist").then().statusCode(400).body("error.param", equalTo("name"));
        given().contentType(ContentType.JSON)
                .body(Map.of("email", Fixtures.uniqueEmail("use"), "name", "X", "intended_use", "y".repeat(2001)))
                .post("/api/waitlist").then().statusCode(400).body("error.param", equalTo("intended_use"));
        given().contentType(ContentType.JSON).body(Map.of("email", "a".repeat(250) + "@x.io", "name", "X"))
                .post("/api/waitlist").then().statusCode(400).body("error.param", equalTo("email"));
        given().contentType(ContentType.JSON).body("{not json").post("/api/waitlist").then().statusCode(400);
        // The HTML form shows the message on the page.
        given().contentType(ContentType.URLENC).formParam("email", "bad@").formParam("name", "X")
                .post("/waitlist").then().statusCode(400).body(containsString("does not look like an email"));
    }

    @Test
    void htmlInputIsStoredVerbatimAndShownEscaped() throws Exception {
        String email = Fixtures.uniqueEmail("xss");
        String evil = "<script>alert('x')</script>";
        String page = given().contentType(ContentType.URLENC).formParam("email", email).formParam("name", evil)
                .formParam("company", "<img src=x onerror=alert(1)>").post("/waitlist")
                .then().statusCode(201).extract().asString();
        assertFalse(page.contains(evil), "raw script must not be echoed");
        assertTrue(page.contains("&lt;script&gt;"), "name is shown escaped");
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("select name from waitlist_entries where email = ?")) {
            ps.setString(1, email);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(evil, rs.getString(1));
            }
        }
        // The admin's list escapes it too.
        String adminPage = WebSession.login(base, "/admin/waitlist", "admin", "admin").get("/admin/waitlist").body();
        assertTrue(adminPage.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assertFalse(adminPage.contains("<img src=x"));
    }

    @Test
    void signupsArePerIpRateLimited() {
        int max = limiter.maxPerWindow();
        for (int i = 0; i < max; i++) {
            given().contentType(ContentType.JSON).body(Map.of("email", "bad", "name", "X"))
                    .post("/api/waitlist").then().statusCode(400);
        }
        given().contentType(ContentType.JSON).body(Map.of("email", Fixtures.uniqueEmail("rl"), "name", "X"))
                .post("/api/waitlist").then().statusCode(429).body("error.code", equalTo("rate_limited"));
        given().contentType(ContentType.URLENC).formParam("email", Fixtures.uniqueEmail("rl")).formParam("name", "X")
                .post("/waitlist").then().statusCode(429).body(containsString("Too many signups"));
        limiter.reset();
        Fixtures.signup(Fixtures.uniqueEmail("rl-after"), "X");
    }

    @Test
    void signupIsPublishedAndAudited() {
        String email = Fixtures.uniqueEmail("audit");
        Fixtures.signup(email, "Audited");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "select count(*) from audit_log where type = 'waitlist.signup' and subject = ?")) {
                ps.setString(1, email);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(1, rs.getInt(1));
                }
            }
        });
    }

    @Test
    void signupPagesArePublic() {
        given().redirects().follow(false).get("/").then().statusCode(200).body(containsString("waitlist-form"));
        given().redirects().follow(false).get("/waitlist").then().statusCode(200).body(containsString("waitlist-form"));
    }
}
