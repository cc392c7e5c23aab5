package io.sirocco.accounts;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The security requirements of issue 4: org isolation on every console route, roles on admin routes, API keys vs
 * Keycloak tokens, secrets never stored or logged, CSRF on state-changing forms, and PKCE on the login redirect.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccountsSecurityTest extends AccountsTestBase {

    @Inject
    ApiKeys apiKeys;

    Fixtures.Customer a;
    Fixtures.Customer b;
    CreatedKey bKey;
    CreatedKey aKey;

    @BeforeEach
    void twoOrgs() {
        if (a != null) {
            return;
        }
        a = Fixtures.customer(base, mailbox, "orga");
        b = Fixtures.customer(base, mailbox, "orgb");
        aKey = apiKeys.create(a.orgId(), "a-key", null, null);
        bKey = apiKeys.create(b.orgId(), "b-key", null, null);
    }

    private RequestSpecification as(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).redirects().follow(false);
    }

    @Test
    void aCustomerCannotTouchAnotherOrgThroughTheApi() {
        String tokenA = Fixtures.token(a.email(), a.password());
        String orgB = "/api/console/orgs/" + b.orgId();
        String keyB = orgB + "/keys/" + bKey.keyId();
        List<Function<RequestSpecification, io.restassured.response.Response>> calls = List.of(
                r -> r.get(orgB),
                r -> r.get(orgB + "/members"),
                r -> r.get(orgB + "/keys"),
                r -> r.get(keyB),
                r -> r.body(Map.of("name", "intruder")).post(orgB + "/keys"),
                r -> r.post(keyB + "/revoke"),
                r -> r.body(Map.of("grace_seconds", 0)).post(keyB + "/rotate"),
                // A's org in the path, B's key id: still not found.
                r -> r.get("/api/console/orgs/" + a.orgId() + "/keys/" + bKey.keyId()),
                r -> r.post("/api/console/orgs/" + a.orgId() + "/keys/" + bKey.keyId() + "/revoke"),
                r -> r.body(Map.of()).post("/api/console/orgs/" + a.orgId() + "/keys/" + bKey.keyId() + "/rotate"));
        for (var call : calls) {
            call.apply(as(tokenA)).then().statusCode(anyOf(is(403), is(404)));
        }
        // A sees only A's org and keys.
        as(tokenA).get("/api/console/orgs").then().statusCode(200)
                .body("size()", equalTo(1)).body("[0].id", equalTo(a.orgId().toString()));
        as(tokenA).get("/api/console/orgs/" + a.orgId() + "/keys").then().statusCode(200)
                .body("id", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem(bKey.keyId().toString())));
        as(tokenA).get("/api/console/orgs/" + a.orgId() + "/members").then().statusCode(200)
                .body("email", equalTo(List.of(a.email())));
        assertTrue(apiKeys.authenticate(bKey.secret()).isPresent(), "B's key survived");
        assertEquals(1, apiKeys.list(b.orgId()).size(), "no key was added to B");
    }

    @Test
    void aCustomerCannotTouchAnotherOrgThroughThePages() {
        WebSession s = WebSession.login(base, "/console/keys", a.email(), a.password());
        WebSession.Page page = s.get("/console/keys");
        assertFalse(page.body().contains(KeySecrets.displayPrefix(bKey.secret())));
        String csrf = page.hidden("csrf");
        assertEquals(404, s.postForm("/console/keys/" + bKey.keyId() + "/revoke", Map.of("csrf", csrf)).status());
        assertEquals(404, s.postForm("/console/keys/" + bKey.keyId() + "/rotate",
                Map.of("csrf", csrf, "grace_minutes", "0")).status());
        assertEquals(404, s.postForm("/console/keys/not-a-uuid/revoke", Map.of("csrf", csrf)).status());
        assertTrue(apiKeys.authenticate(bKey.secret()).isPresent());
    }

    @Test
    void adminRoutesNeedTheAdminRole() {
        String customer = Fixtures.token(a.email(), a.password());
        String admin = Fixtures.adminToken();
        for (String path : List.of("/api/admin/waitlist", "/api/admin/invitations", "/api/admin/orgs", "/api/admin/audit")) {
            given().redirects().follow(false).get(path).then().statusCode(401);
            as(customer).get(path).then().statusCode(403);
            as(admin).get(path).then().statusCode(200);
        }
        as(customer).body(Map.of("count", 1)).post("/api/admin/invitations").then().statusCode(403);
        as(customer).body(Map.of("plan", "scale")).put("/api/admin/orgs/" + a.orgId() + "/plan").then().statusCode(403);
        given().redirects().follow(false).contentType(ContentType.JSON).body(Map.of("count", 1))
                .post("/api/admin/invitations").then().statusCode(401);
        // Console API: 401 without a token, 403 for an admin who is no customer.
        given().redirects().follow(false).get("/api/console/orgs").then().statusCode(401);
        as(admin).get("/api/console/orgs").then().statusCode(403);

        // Pages: no session → Keycloak login (code flow with PKCE); a customer's session → 403.
        String location = given().redirects().follow(false).get("/admin/waitlist").then().statusCode(302)
                .extract().header("Location");
        assertTrue(location.startsWith(Fixtures.keycloakUrl() + "/realms/sirocco/protocol/openid-connect/auth"), location);
        assertTrue(location.contains("code_challenge_method=S256") && location.contains("code_challenge="), location);
        assertTrue(location.contains("response_type=code"), location);
        WebSession customerSession = WebSession.login(base, "/console/keys", a.email(), a.password());
        assertEquals(403, customerSession.get("/admin/waitlist").status());
        assertEquals(403, customerSession.get("/admin/orgs").status());
        assertEquals(403, customerSession.get("/admin").status());
        assertTrue(given().redirects().follow(false).get("/admin").then().statusCode(302)
                .extract().header("Location").startsWith(Fixtures.keycloakUrl()), "/admin asks for a login");
    }

    @Test
    void anApiKeyOpensNoConsoleOrAdminRoute() {
        for (String path : List.of("/api/console/orgs", "/api/console/orgs/" + a.orgId() + "/keys", "/api/admin/waitlist")) {
            given().auth().oauth2(aKey.secret()).redirects().follow(false).get(path).then().statusCode(401);
        }
        for (String path : List.of("/console/keys", "/admin/waitlist")) {
            int status = given().auth().oauth2(aKey.secret()).redirects().follow(false).get(path).then()
                    .extract().statusCode();
            assertEquals(302, status, path + " must send the caller to the login page");
        }
    }

    @Test
    void aKeycloakTokenIsNoApiKey() {
        String jwt = Fixtures.token(a.email(), a.password());
        assertTrue(apiKeys.authenticate(jwt).isEmpty());
        assertTrue(apiKeys.authenticate("sk-" + jwt).isEmpty());
        int status = given().auth().oauth2(jwt).redirects().follow(false).get("/v1/models").then().extract().statusCode();
        assertNotEquals(200, status, "a Keycloak token must not open /v1");
        assertTrue(status == 401 || status == 404, "401 once the gateway is merged; 404 before: " + status);
    }

    @Test
    void apiAndOperationsPathsNeverTouchOidc() {
        // A stale or forged session cookie must not turn /q or /v1 into a login redirect.
        given().cookie("q_session", "garbage").redirects().follow(false).get("/q/health/live").then().statusCode(200);
        int v1 = given().cookie("q_session", "garbage").redirects().follow(false).get("/v1/models").then()
                .extract().statusCode();
        assertTrue(v1 != 302 && v1 != 500, "got " + v1);
        given().cookie("q_session", "garbage").redirects().follow(false).get("/waitlist").then().statusCode(200);
    }

    @Test
    void stateChangingFormsNeedTheCsrfToken() {
        WebSession s = WebSession.login(base, "/console/keys", a.email(), a.password());
        WebSession.Page page = s.get("/console/keys");
        int before = apiKeys.list(a.orgId()).size();
        // No token, a wrong token, and the cookie missing (as from another site's form): all refused.
        assertEquals(403, s.postForm("/console/keys", Map.of("name", "forged")).status());
        assertEquals(403, s.postForm("/console/keys", Map.of("name", "forged", "csrf", SecretTokens.newToken())).status());
        s.dropCookie("sirocco_csrf");
        assertEquals(403, s.postForm("/console/keys", Map.of("name", "forged", "csrf", page.hidden("csrf"))).status());
        assertEquals(403, s.postForm("/console/keys/" + aKey.keyId() + "/revoke", Map.of("csrf", page.hidden("csrf"))).status());
        assertEquals(before, apiKeys.list(a.orgId()).size());
        assertTrue(apiKeys.authenticate(aKey.secret()).isPresent());
        // The cookie is HttpOnly and SameSite=Strict.
        String setCookie = s.get("/console/keys").header("Set-Cookie");
        assertTrue(setCookie.contains("HttpOnly") && setCookie.toLowerCase().contains("samesite=strict"), setCookie);
    }

    @Test
    void secretsAreNeverStoredLoggedOrShownAgain() throws Exception {
        WebSession s = WebSession.login(base, "/console/keys", a.email(), a.password());
        String pageSecret = ConsoleKeysTest.createKeyThroughPage(s, "secret-hunt", "mistral-small");
        String token = Fixtures.token(a.email(), a.password());
        String apiSecret = given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", "api-hunt"))
                .post("/api/console/orgs/" + a.orgId() + "/keys").then().statusCode(201).extract().path("key");
        apiKeys.authenticate(pageSecret);
        apiKeys.authenticate(apiSecret);
        String invitationToken = Fixtures.invitationToken(mailbox, a.email());
        String statusToken = Fixtures.statusToken(mailbox, a.email());

        List<String> secrets = List.of(pageSecret, apiSecret, aKey.secret(), bKey.secret(), invitationToken, statusToken);
        // Nowhere in the database: every row of every table, as text.
        for (String table : tables()) {
            try (Connection c = db.getConnection();
                 PreparedStatement ps = c.prepareStatement("select t::text from \"" + table + "\" t");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String row = rs.getString(1);
                    for (String secret : secrets) {
                        assertFalse(row.contains(secret), "secret found in table " + table);
                    }
                }
            }
        }
        // Not in the log.
        String log = Files.readString(Path.of("target/sirocco-test.log"));
        assertFalse(log.isEmpty());
        for (String secret : secrets) {
            assertFalse(log.contains(secret), "secret found in the log");
        }
        // Not in any later response.
        String listing = s.get("/console/keys").body() + given().auth().oauth2(token)
                .get("/api/console/orgs/" + a.orgId() + "/keys").asString();
        for (String secret : secrets) {
            assertFalse(listing.contains(secret));
        }
        assertEquals(1, count("select count(*) from api_keys where key_hash = '" + KeySecrets.hash(pageSecret) + "'"));
    }

    @Test
    void adminsChangeAnOrgsPlanAndKeysFollowIt() throws Exception {
        Fixtures.Customer c = Fixtures.customer(base, mailbox, "plan");
        CreatedKey k = apiKeys.create(c.orgId(), "p", null, null);
        assertEquals(120, apiKeys.authenticate(k.secret()).orElseThrow().rpmLimit());
        as(Fixtures.adminToken()).body(Map.of("plan", "trial")).put("/api/admin/orgs/" + c.orgId() + "/plan")
                .then().statusCode(200).body("plan", equalTo("trial")).body("rpm_limit", equalTo(20))
                .body("allowed_models", equalTo(List.of("mistral-tiny", "mistral-embed")));
        as(Fixtures.adminToken()).body(Map.of("plan", "gold")).put("/api/admin/orgs/" + c.orgId() + "/plan")
                .then().statusCode(400).body("error.param", equalTo("plan"));
        as(Fixtures.adminToken()).body(Map.of("plan", "scale")).put("/api/admin/orgs/" + UUID.randomUUID() + "/plan")
                .then().statusCode(404);
        Thread.sleep(600); // past the key cache TTL
        KeyPrincipal p = apiKeys.authenticate(k.secret()).orElseThrow();
        assertEquals(20, p.rpmLimit());
        assertEquals(40000, p.tpmLimit());
        assertFalse(p.mayUse("mistral-medium"));
        // Keys can then only be limited to models of the plan.
        as(Fixtures.token(c.email(), c.password())).body(Map.of("name", "m", "allowed_models", List.of("mistral-medium")))
                .post("/api/console/orgs/" + c.orgId() + "/keys").then().statusCode(400)
                .body("error.message", containsString("plan"));
        // The admin page form, CSRF-protected.
        WebSession admin = WebSession.login(base, "/admin/orgs", "admin", "admin");
        WebSession.Page orgs = admin.get("/admin/orgs");
        assertEquals(403, admin.postForm("/admin/orgs/" + c.orgId() + "/plan", Map.of("plan", "scale")).status());
        WebSession.Page saved = admin.postForm("/admin/orgs/" + c.orgId() + "/plan",
                Map.of("csrf", orgs.hidden("csrf"), "plan", "scale", "rpm_limit", "999"));
        assertEquals(200, saved.status(), saved.body());
        Thread.sleep(600);
        assertEquals(999, apiKeys.authenticate(k.secret()).orElseThrow().rpmLimit());
    }

    private List<String> tables() throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        assertTrue(out.contains("api_keys") && out.contains("invitations") && out.contains("audit_log"));
        return out;
    }

    private int count(String sql) throws Exception {
        return ConsoleKeysTest.count(db, sql);
    }
}
