package io.sirocco.accounts;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The key lifecycle in the console (pages and JSON): create once-shown keys, list, revoke within 1 s, rotate. */
@QuarkusTest
class ConsoleKeysTest extends AccountsTestBase {

    static final Pattern SECRET = Pattern.compile("id=\"new-key-secret\">(sk-[0-9A-Za-z]{43})<");

    @Inject
    ApiKeys apiKeys;

    static String createKeyThroughPage(WebSession s, String name, String extra) {
        WebSession.Page list = s.get("/console/keys");
        assertEquals(200, list.status());
        WebSession.Page created = s.postForm("/console/keys", Map.of("csrf", list.hidden("csrf"), "name", name,
                "models", extra));
        assertEquals(201, created.status(), created.body());
        Matcher m = SECRET.matcher(created.body());
        assertTrue(m.find(), "the new key is shown");
        return m.group(1);
    }

    @Test
    void keysAreShownOnceListedAndRevokedFromThePages() {
        Fixtures.Customer c = Fixtures.customer(base, mailbox, "keys");
        WebSession s = WebSession.login(base, "/console/keys", c.email(), c.password());
        String secret = createKeyThroughPage(s, "ci <b>bot</b>", "mistral-tiny");

        KeyPrincipal p = apiKeys.authenticate(secret).orElseThrow();
        assertEquals(c.orgId(), p.orgId());
        assertTrue(p.mayUse("mistral-tiny"));
        assertFalse(p.mayUse("mistral-medium"));
        assertEquals(120, p.rpmLimit(), "the org's default plan");

        WebSession.Page list = s.get("/console/keys");
        assertFalse(list.body().contains(secret), "never shown again");
        assertTrue(list.body().contains(KeySecrets.displayPrefix(secret)));
        assertTrue(list.body().contains("ci &lt;b&gt;bot&lt;/b&gt;"));
        assertTrue(list.body().contains(">active<"));

        UUID keyId = p.keyId();
        WebSession.Page revoked = s.postForm("/console/keys/" + keyId + "/revoke", Map.of("csrf", list.hidden("csrf")));
        assertEquals(200, revoked.status());
        assertTrue(revoked.body().contains(">revoked<"));
        assertTrue(apiKeys.authenticate(secret).isEmpty(), "revocation is immediate on this node");

        // Signing out is a POST with the CSRF token: a link (GET) or a POST without the token signs no one out.
        WebSession.Page viaLink = s.getNoFollow("/logout");
        assertEquals(405, viaLink.status());
        assertTrue(viaLink.body().contains("Sign out button"), viaLink.body());
        assertEquals(403, s.postFormNoFollow("/logout", Map.of()).status());
        assertEquals(403, s.postFormNoFollow("/logout", Map.of("csrf", "forged")).status());
        WebSession.Page still = s.get("/console/keys");
        assertEquals(200, still.status(), "still signed in");
        assertTrue(still.body().contains("<form class=\"signout\" method=\"post\" action=\"/logout\">"), "the nav's button");
        // Signing out ends the Keycloak session too: the console asks for the login again.
        WebSession.Page out = s.postForm("/logout", Map.of("csrf", still.hidden("csrf")));
        assertEquals(200, out.status());
        assertTrue(out.body().contains("waitlist-form"), "back on the home page");
        assertTrue(s.get("/console/keys").body().contains("kc-form-login"));
    }

    @Test
    void badKeyInputIsRefusedWithAMessage() {
        Fixtures.Customer c = Fixtures.customer(base, mailbox, "badkey");
        String token = Fixtures.token(c.email(), c.password());
        String keys = "/api/console/orgs/" + c.orgId() + "/keys";
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", " "))
                .post(keys).then().statusCode(400).body("error.param", equalTo("name"));
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "expires_at", "2001-01-01")).post(keys).then().statusCode(400)
                .body("error.param", equalTo("expires_at"));
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "expires_at", "soon")).post(keys).then().statusCode(400);
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "allowed_models", List.of("gpt-9"))).post(keys).then().statusCode(400)
                .body("error.param", equalTo("allowed_models"));
        given().auth().oauth2(token).get(keys).then().statusCode(200).body("$", org.hamcrest.Matchers.empty());
    }

    @Test
    void revocationByAnotherNodeTakesEffectWithinOneSecond() throws Exception {
        Fixtures.Customer c = Fixtures.customer(base, mailbox, "node");
        CreatedKey k = apiKeys.create(c.orgId(), "n", null, null);
        assertTrue(apiKeys.authenticate(k.secret()).isPresent()); // now cached here
        // Another node revokes it: only the database changes.
        exec("update api_keys set revoked_at = now() where id = '" + k.keyId() + "'");
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                .until(() -> apiKeys.authenticate(k.secret()).isEmpty());
        assertTrue(System.nanoTime() - start < 1_000_000_000L);
    }

    @Test
    void lastUseIsRecorded() throws Exception {
        Fixtures.Customer c = Fixtures.customer(base, mailbox, "used");
        CreatedKey k = apiKeys.create(c.orgId(), "u", null, null);
        String token = Fixtures.token(c.email(), c.password());
        String path = "/api/console/orgs/" + c.orgId() + "/keys/" + k.keyId();
        given().auth().oauth2(token).get(path).then().body("last_used_at", equalTo(null));
        for (int i = 0; i < 5; i++) {
            apiKeys.authenticate(k.secret());
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                given().auth().oauth2(token).get(path).then().body("last_used_at", org.hamcrest.Matchers.notNullValue()));
    }

    @Test
    void theJsonApiCreatesListsRotatesAndRevokes() {
        Fixtures.Customer c = Fixtures.customer(base, mailbox, "api");
        String token = Fixtures.token(c.email(), c.password());
        String keys = "/api/console/orgs/" + c.orgId() + "/keys";
        String expires = Instant.now().plus(Duration.ofDays(30)).toString();
        Map<String, Object> created = given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("name", "prod", "expires_at", expires)).post(keys)
                .then().statusCode(201).header("Cache-Control", "no-store").body("status", equalTo("active"))
                .extract().as(Map.class);
        String secret = (String) created.get("key");
        String id = (String) created.get("id");
        assertTrue(KeySecrets.looksLikeKey(secret));
        given().auth().oauth2(token).get(keys).then().statusCode(200)
                .body("[0].id", equalTo(id)).body("[0]", not(hasKey("key")))
                .body("[0].prefix", equalTo(KeySecrets.displayPrefix(secret)));
        given().auth().oauth2(token).get(keys + "/" + id).then().statusCode(200).body("$", not(hasKey("key")));

        // Rotate with a grace period: both work until the old one expires.
        Map<String, Object> rotated = given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("grace_seconds", 3600)).post(keys + "/" + id + "/rotate")
                .then().statusCode(201).extract().as(Map.class);
        String newSecret = (String) rotated.get("key");
        assertTrue(apiKeys.authenticate(newSecret).isPresent());
        assertTrue(apiKeys.authenticate(secret).isPresent());
        Map<String, Object> old = given().auth().oauth2(token).get(keys + "/" + id).then().statusCode(200)
                .body("status", equalTo("rotating")).body("rotated_to", equalTo(rotated.get("id")))
                .extract().as(Map.class);
        Instant oldExpiry = Instant.parse((String) old.get("expires_at"));
        assertTrue(oldExpiry.isBefore(Instant.now().plus(Duration.ofMinutes(61))));
        assertTrue(oldExpiry.isAfter(Instant.now().plus(Duration.ofMinutes(59))));
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("grace_seconds", 0))
                .post(keys + "/" + id + "/rotate").then().statusCode(409);

        // Rotate without grace: the old key stops at once.
        String newId = (String) rotated.get("id");
        Map<String, Object> third = given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of())
                .post(keys + "/" + newId + "/rotate").then().statusCode(201).extract().as(Map.class);
        assertTrue(apiKeys.authenticate(newSecret).isEmpty());
        assertTrue(apiKeys.authenticate((String) third.get("key")).isPresent());
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("grace_seconds", 999_999_999))
                .post(keys + "/" + third.get("id") + "/rotate").then().statusCode(400);

        given().auth().oauth2(token).post(keys + "/" + third.get("id") + "/revoke").then().statusCode(200)
                .body("status", equalTo("revoked")).body("$", not(hasKey("key")));
        assertTrue(apiKeys.authenticate((String) third.get("key")).isEmpty());
        given().auth().oauth2(token).post(keys + "/" + third.get("id") + "/revoke").then().statusCode(409);
    }

    @Test
    void expiredKeysStopWorking() throws Exception {
        Fixtures.Customer c = Fixtures.customer(base, mailbox, "exp");
        CreatedKey k = apiKeys.create(c.orgId(), "e", Instant.now().plusMillis(300), null);
        assertTrue(apiKeys.authenticate(k.secret()).isPresent());
        Thread.sleep(400);
        assertTrue(apiKeys.authenticate(k.secret()).isEmpty(), "expiry is honoured even while cached");
        String token = Fixtures.token(c.email(), c.password());
        given().auth().oauth2(token).get("/api/console/orgs/" + c.orgId() + "/keys/" + k.keyId())
                .then().body("status", equalTo("expired"));
    }

    private void exec(String sql) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.executeUpdate();
        }
    }

    static int count(AgroalDataSource db, String sql) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            assertNotNull(rs.getObject(1));
            return rs.getInt(1);
        }
    }
}
