package io.sirocco.accounts;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Teams with real Keycloak: an owner invites by email with a role, the teammate accepts through the single-use
 * link, roles are enforced on the JSON routes, removing a member revokes (or transfers) their keys, and every member
 * change is audited.
 */
@QuarkusTest
class TeamsTest extends AccountsTestBase {

    @jakarta.inject.Inject
    ApiKeys apiKeys;

    /** A teammate invited into {@code owner}'s org with {@code role}, who accepted through the mailed link. */
    record Teammate(String email, String token, String userId) {
    }

    Teammate join(Fixtures.Customer owner, String role, String tag) {
        String email = Fixtures.uniqueEmail(tag);
        given().auth().oauth2(Fixtures.token(owner.email(), owner.password())).contentType(ContentType.JSON)
                .body(Map.of("email", email, "role", role))
                .post("/api/console/orgs/" + owner.orgId() + "/invitations")
                .then().log().ifValidationFails().statusCode(201).body("role", equalTo(role))
                .body("status", equalTo("pending"));
        WebSession.Page form = new WebSession(base).get("/invite/" + Fixtures.invitationToken(mailbox, email));
        assertTrue(form.body().contains("id=\"team-invite\""), "the link names the team and role");
        assertTrue(!form.body().contains("name=\"org_name\""), "a teammate does not create an org");
        WebSession.Page done = Fixtures.accept(base, Fixtures.invitationToken(mailbox, email), tag, "Mate",
                Fixtures.PASSWORD);
        assertEquals(303, done.status(), done.body());
        String token = Fixtures.token(email, Fixtures.PASSWORD);
        return new Teammate(email, token, Fixtures.subject(token));
    }

    static String orgPath(Fixtures.Customer owner) {
        return "/api/console/orgs/" + owner.orgId();
    }

    static int models(String key) {
        return given().auth().oauth2(key).get("/v1/models").statusCode();
    }

    @Test
    void removingATeammateRevokesTheKeysTheyCreatedWithinASecond() {
        Fixtures.Customer owner = Fixtures.customer(base, mailbox, "towner");
        Teammate dev = join(owner, "developer", "tdev");

        List<Map<String, Object>> orgs = given().auth().oauth2(dev.token()).get("/api/console/orgs")
                .then().statusCode(200).extract().as(List.class);
        assertEquals(owner.orgId().toString(), orgs.getFirst().get("id"), "the teammate joined the owner's org");
        assertEquals("developer", orgs.getFirst().get("role"));

        String key = given().auth().oauth2(dev.token()).contentType(ContentType.JSON).body(Map.of("name", "dev key"))
                .post(orgPath(owner) + "/keys").then().statusCode(201).extract().path("key");
        assertEquals(200, models(key));
        KeyPrincipal playground = apiKeys.playground(owner.orgId(), dev.userId(), dev.email());

        Map<String, Object> removed = given().auth().oauth2(Fixtures.token(owner.email(), owner.password()))
                .contentType(ContentType.JSON).body("{}")
                .post(orgPath(owner) + "/members/" + dev.userId() + "/remove")
                .then().log().ifValidationFails().statusCode(200).extract().as(Map.class);
        long removedAt = System.nanoTime();
        assertEquals(2, ((List<?>) removed.get("revoked_keys")).size(), "their key and playground key: " + removed);
        assertTrue(apiKeys.find(owner.orgId(), playground.keyId()).orElseThrow().revokedAt() != null);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50)).until(() -> models(key) == 401);
        assertTrue(System.nanoTime() - removedAt < 1_000_000_000L, "the key stopped within a second");

        given().auth().oauth2(dev.token()).get(orgPath(owner) + "/keys").then().statusCode(404);
        await().atMost(Duration.ofSeconds(5)).until(() -> audit(owner.orgId())
                .containsAll(List.of("member.invited", "member.joined", "member.removed")));
        String detail = detail(owner.orgId(), "member.removed");
        assertTrue(detail.contains("2 key(s) revoked"), detail);
        assertTrue(actor(owner.orgId(), "member.removed").equals(owner.email()), "who removed is recorded");
    }

    @Test
    void keysCanBeTransferredRolesChangedAndTheLastOwnerStays() {
        Fixtures.Customer owner = Fixtures.customer(base, mailbox, "town2");
        String ownerToken = Fixtures.token(owner.email(), owner.password());
        Teammate dev = join(owner, "developer", "tdev2");
        String key = given().auth().oauth2(dev.token()).contentType(ContentType.JSON).body(Map.of("name", "ci"))
                .post(orgPath(owner) + "/keys").then().statusCode(201).extract().path("key");

        // the only owner can neither leave nor give up the role
        given().auth().oauth2(ownerToken).contentType(ContentType.JSON).body(Map.of("role", "developer"))
                .post(orgPath(owner) + "/members/" + owner.userId() + "/role")
                .then().statusCode(409).body("error.code", equalTo("last_owner"));
        given().auth().oauth2(ownerToken).contentType(ContentType.JSON).body("{}")
                .post(orgPath(owner) + "/members/" + owner.userId() + "/remove").then().statusCode(409);
        // an unknown role is a 400 that names the choices
        given().auth().oauth2(ownerToken).contentType(ContentType.JSON).body(Map.of("role", "admin"))
                .post(orgPath(owner) + "/members/" + dev.userId() + "/role")
                .then().statusCode(400).body("error.message", org.hamcrest.Matchers.containsString("developer"));
        given().auth().oauth2(ownerToken).contentType(ContentType.JSON).body(Map.of("role", "billing"))
                .post(orgPath(owner) + "/members/" + dev.userId() + "/role")
                .then().statusCode(200).body("role", equalTo("billing"));
        given().auth().oauth2(dev.token()).get(orgPath(owner) + "/keys").then().statusCode(403)
                .body("error.code", equalTo("role_forbidden"));
        assertEquals("developer -> billing", detail(owner.orgId(), "member.role_changed"));

        given().auth().oauth2(ownerToken).contentType(ContentType.JSON).body(Map.of("transfer_to", owner.userId()))
                .post(orgPath(owner) + "/members/" + dev.userId() + "/remove")
                .then().statusCode(200).body("transferred_keys", equalTo(1));
        await().pollDelay(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(3)).until(() -> true);
        assertEquals(200, models(key), "a transferred key keeps working");
        List<Map<String, Object>> keys = given().auth().oauth2(ownerToken).get(orgPath(owner) + "/keys")
                .then().statusCode(200).extract().as(List.class);
        assertEquals("active", keys.getFirst().get("status"));
        // the former member's invitation link is used up; a withdrawn invitation's link says so
        String again = Fixtures.uniqueEmail("tw");
        String invId = given().auth().oauth2(ownerToken).contentType(ContentType.JSON)
                .body(Map.of("email", again, "role", "billing")).post(orgPath(owner) + "/invitations")
                .then().statusCode(201).extract().path("id");
        given().auth().oauth2(ownerToken).contentType(ContentType.JSON).body(Map.of("email", again, "role", "billing"))
                .post(orgPath(owner) + "/invitations").then().statusCode(409);
        given().auth().oauth2(ownerToken).post(orgPath(owner) + "/invitations/" + invId + "/withdraw")
                .then().statusCode(200).body("status", equalTo("revoked"));
        assertEquals(410, new WebSession(base).get("/invite/" + Fixtures.invitationToken(mailbox, again)).status());
    }

    @Test
    void onlyOwnersManageTheTeamAndOtherOrgsAreInvisible() {
        Fixtures.Customer owner = Fixtures.customer(base, mailbox, "town3");
        Teammate billing = join(owner, "billing", "tbill");
        Fixtures.Customer stranger = Fixtures.customer(base, mailbox, "tstr");
        String strangerToken = Fixtures.token(stranger.email(), stranger.password());

        given().auth().oauth2(billing.token()).contentType(ContentType.JSON)
                .body(Map.of("email", Fixtures.uniqueEmail("x"), "role", "owner"))
                .post(orgPath(owner) + "/invitations").then().statusCode(403);
        given().auth().oauth2(billing.token()).contentType(ContentType.JSON).body(Map.of("name", "k"))
                .post(orgPath(owner) + "/keys").then().statusCode(403);
        given().auth().oauth2(billing.token()).contentType(ContentType.JSON).body(Map.of("role", "owner"))
                .post(orgPath(owner) + "/members/" + billing.userId() + "/role").then().statusCode(403);
        // billing sees usage: the CSV export (its rows are checked against the ledger in UsageExportTest)
        String csv = given().auth().oauth2(billing.token()).queryParam("from", "2024-01-01").queryParam("to", "2024-01-31")
                .get(orgPath(owner) + "/usage/export").then().statusCode(200)
                .header("Content-Disposition", org.hamcrest.Matchers.containsString("sirocco-usage-2024-01-01-to-2024-01-31.csv"))
                .extract().asString();
        assertTrue(csv.startsWith("day,model,key_id,"), csv);
        given().auth().oauth2(billing.token()).queryParam("from", "2024-02-30")
                .get(orgPath(owner) + "/usage/export").then().statusCode(400);
        given().auth().oauth2(strangerToken).get(orgPath(owner) + "/usage/export").then().statusCode(404);
        given().auth().oauth2(billing.token()).contentType(ContentType.JSON).body(Map.of("url", "https://example.com/h"))
                .put(orgPath(owner) + "/alerts/webhook").then().statusCode(403);
        String ownerToken = Fixtures.token(owner.email(), owner.password());
        given().auth().oauth2(ownerToken).contentType(ContentType.JSON).body(Map.of("url", "ftp://example.com/h"))
                .put(orgPath(owner) + "/alerts/webhook").then().statusCode(400).body("error.param", equalTo("url"));
        given().auth().oauth2(ownerToken).contentType(ContentType.JSON).body(Map.of("url", "https://example.com/h"))
                .put(orgPath(owner) + "/alerts/webhook").then().statusCode(200)
                .body("secret", org.hamcrest.Matchers.startsWith("whsec_"));
        given().auth().oauth2(billing.token()).get(orgPath(owner) + "/alerts/deliveries").then().statusCode(200);
        // the owner's usage page sets the webhook and shows the new secret once; billing sees the log, not the form
        WebSession ownerPages = WebSession.login(base, "/console/usage", owner.email(), owner.password());
        WebSession.Page usage = ownerPages.get("/console/usage");
        assertTrue(usage.body().contains("id=\"webhook-form\""));
        WebSession.Page set = ownerPages.postForm("/console/usage/webhook",
                Map.of("csrf", usage.hidden("csrf"), "url", "https://example.com/other"));
        assertEquals(200, set.status(), set.body());
        assertTrue(set.body().contains("id=\"webhook-secret\">whsec_"), "the secret is shown once");
        assertTrue(!ownerPages.get("/console/usage").body().contains("whsec_"), "and not again");
        WebSession billingPages = WebSession.login(base, "/console/usage", billing.email(), Fixtures.PASSWORD);
        WebSession.Page billingUsage = billingPages.get("/console/usage");
        assertTrue(billingUsage.body().contains("id=\"deliveries\""), "billing sees the delivery log");
        assertTrue(!billingUsage.body().contains("id=\"webhook-form\""), "but cannot change the webhook");
        assertEquals(403, billingPages.postForm("/console/usage/webhook",
                Map.of("csrf", billingPages.appCookies().get(io.sirocco.accounts.web.Csrf.COOKIE), "url",
                        "https://example.com/x")).status(), "a valid form token, but the role lacks budgets");
        given().auth().oauth2(strangerToken).get(orgPath(owner) + "/invitations").then().statusCode(404);
        given().auth().oauth2(strangerToken).contentType(ContentType.JSON).body("{}")
                .post(orgPath(owner) + "/members/" + billing.userId() + "/remove").then().statusCode(404);
        // an owner cannot reach another org's members through their own org either
        given().auth().oauth2(strangerToken).contentType(ContentType.JSON).body("{}")
                .post(orgPath(stranger) + "/members/" + billing.userId() + "/remove").then().statusCode(404);
    }

    List<String> audit(UUID orgId) {
        return query("select type from audit_log where org_id = ? order by at", orgId);
    }

    String detail(UUID orgId, String type) {
        return query("select detail from audit_log where org_id = ? and type = ? order by at desc limit 1", orgId, type)
                .getFirst();
    }

    String actor(UUID orgId, String type) {
        return query("select actor from audit_log where org_id = ? and type = ? order by at desc limit 1", orgId, type)
                .getFirst();
    }

    List<String> query(String sql, Object... args) {
        try (var c = db.getConnection(); var ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<String> out = new java.util.ArrayList<>();
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
