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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The public waitlist: signup (JSON and form), positions, idempotence, validation, escaping, rate limit, events. */
@QuarkusTest
class WaitlistTest extends AccountsTestBase {

    @Test
    void everySignupGetsTheSameAnswerAndTheStatusLinkByMail() {
        String email = Fixtures.uniqueEmail("wl");
        String answer = given().contentType(ContentType.JSON)
                .body(Map.of("email", email, "name", "Ada", "company", "Analytical", "intended_use", "poems"))
                .post("/api/waitlist").then().statusCode(202).body("status", equalTo("received"))
                .extract().asString();
        assertFalse(answer.contains("Ada") || answer.contains(email) || answer.contains("status/"), answer);
        String token = Fixtures.statusToken(mailbox, email);
        Map<String, Object> entry = given().get("/api/waitlist/status/" + token).then().statusCode(200)
                .body("email", equalTo(email)).body("name", equalTo("Ada")).extract().as(Map.class);
        assertTrue(((Number) entry.get("position")).longValue() >= 1);

        // Someone else signs the same address up (other case and spacing): the very same answer, nothing of
        // Ada's entry in it; the entry is unchanged and a fresh link goes to Ada's inbox (the old one stops).
        given().contentType(ContentType.JSON).body(Map.of("email", "  " + email.toUpperCase() + " ", "name", "Other"))
                .post("/api/waitlist").then().statusCode(202).body(equalTo(answer));
        String fresh = Fixtures.statusToken(mailbox, email);
        assertFalse(fresh.equals(token), "a fresh status link was mailed");
        given().get("/api/waitlist/status/" + token).then().statusCode(404);
        given().get("/api/waitlist/status/" + fresh).then().statusCode(200).body("name", equalTo("Ada"))
                .body("id", equalTo(entry.get("id"))).body("position", equalTo(entry.get("position")));
        // A new address gets the same answer too.
        given().contentType(ContentType.JSON).body(Map.of("email", Fixtures.uniqueEmail("wl2"), "name", "Bo"))
                .post("/api/waitlist").then().statusCode(202).body(equalTo(answer));

        // The pages: the form answers "check your inbox" either way; the status page is behind the mailed link.
        String page = given().contentType(ContentType.URLENC).formParam("email", email).formParam("name", "Eve")
                .post("/waitlist").then().statusCode(200).body(containsString("signup-received")).extract().asString();
        assertFalse(page.contains("Ada") || page.contains("position-number"), "the form page shows no entry");
        given().get("/waitlist/status/" + Fixtures.statusToken(mailbox, email)).then().statusCode(200)
                .body(containsString("You are number <strong id=\"position-number\">" + entry.get("position")));
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
        // The HTML form shows the message inline, under the field it is about, and keeps what was typed.
        given().contentType(ContentType.URLENC).formParam("email", "bad@").formParam("name", "X")
                .post("/waitlist").then().statusCode(400)
                .body(containsString("<p class=\"field-error\" id=\"wl-email-error\">That does not look like an email"))
                .body(containsString("aria-describedby=\"wl-email-error\" aria-invalid=\"true\""))
                .body(containsString("value=\"X\""));
    }

    @Test
    void htmlInputIsStoredVerbatimAndShownEscaped() throws Exception {
        String email = Fixtures.uniqueEmail("xss");
        String evil = "<script>alert('x')</script>";
        given().contentType(ContentType.URLENC).formParam("email", email).formParam("name", evil)
                .formParam("company", "<img src=x onerror=alert(1)>").post("/waitlist").then().statusCode(200);
        String page = given().get("/waitlist/status/" + Fixtures.statusToken(mailbox, email))
                .then().statusCode(200).extract().asString();
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
