package io.sirocco.accounts;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Invitations against the real Keycloak: FIFO and selected invites, acceptance, misuse, linking, events. */
@QuarkusTest
class InvitationFlowTest extends AccountsTestBase {

    @Inject
    KeycloakUsers keycloakUsers;
    @Inject
    Organizations organizations;

    @Test
    void acceptingCreatesTheKeycloakUserAndOrgThenSignsInThroughKeycloak() throws Exception {
        String email = Fixtures.uniqueEmail("acc");
        Map<String, Object> entry = Fixtures.signup(email, "Grace Hopper");
        Fixtures.invite((String) entry.get("id"));
        String token = Fixtures.invitationToken(mailbox, email);

        // The token: 256 random bits, base64url; only its SHA-256 is in the database.
        assertEquals(32, Base64.getUrlDecoder().decode(token).length);
        assertEquals(0, count("select count(*) from invitations i where i::text like ?", "%" + token + "%"));
        assertEquals(1, count("select count(*) from invitations where token_hash = ?", SecretTokens.hash(token)));
        given().get("/api/waitlist/status/" + Fixtures.statusToken(mailbox, email)).then().body("status", equalTo("invited"));

        WebSession browser = new WebSession(base);
        WebSession.Page form = browser.get("/invite/" + token);
        assertEquals(200, form.status());
        assertTrue(form.body().contains(email));
        assertEquals("no-store", form.header("Cache-Control"));
        WebSession.Page done = browser.postForm("/invite/" + token, Map.of("csrf", form.hidden("csrf"),
                "first_name", "Grace", "last_name", "Hopper", "password", Fixtures.PASSWORD,
                "password_confirm", Fixtures.PASSWORD, "org_name", "Navy Labs"));
        // Redirected to the console, which sends the new user to Keycloak's login: sign in there.
        assertTrue(done.body().contains("kc-form-login"), "console asks for the Keycloak login");
        WebSession.Page console = browser.submitLogin(done, email, Fixtures.PASSWORD);
        assertEquals(200, console.status(), console.body());
        assertTrue(console.uri().getPath().startsWith("/console/keys"), console.uri().toString());
        assertTrue(console.body().contains("Navy Labs"));

        String userId = keycloakUsers.findByEmail(email).orElseThrow();
        assertTrue(keycloakUsers.realmRoles(userId).contains("customer"));
        assertFalse(keycloakUsers.realmRoles(userId).contains("admin"));
        List<Member> memberships = organizations.membershipsOf(userId);
        assertEquals(1, memberships.size());
        assertEquals(Member.OWNER, memberships.getFirst().role());
        given().get("/api/waitlist/status/" + Fixtures.statusToken(mailbox, email)).then().body("status", equalTo("accepted"));

        // Single use: the link now shows a clear page and makes no second account or org.
        given().get("/invite/" + token).then().statusCode(410).body(containsString("already been used"));
        WebSession.Page second = browser.postForm("/invite/" + token, Map.of("csrf", form.hidden("csrf"),
                "first_name", "G", "last_name", "H", "password", "another-password-1",
                "password_confirm", "another-password-1"));
        assertEquals(410, second.status());
        assertEquals(1, organizations.membershipsOf(userId).size());
        assertEquals(1, count("select count(*) from org_members where email = ?", email));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertEquals(1, count("select count(*) from audit_log where type = 'invitation.sent' and subject = ?", email));
            assertEquals(1, count("select count(*) from audit_log where type = 'invitation.accepted' and subject = ?", email));
        });
    }

    @Test
    void badFormInputKeepsTheInvitationUsable() {
        String email = Fixtures.uniqueEmail("bad");
        Fixtures.invite((String) Fixtures.signup(email, "Bad Form").get("id"));
        String token = Fixtures.invitationToken(mailbox, email);
        WebSession.Page short_ = Fixtures.accept(base, token, "Bad", "Form", "short");
        assertEquals(400, short_.status());
        assertTrue(short_.body().contains("10 to 128 characters"));
        assertTrue(keycloakUsers.findByEmail(email).isEmpty());
        assertEquals(303, Fixtures.accept(base, token, "Bad", "Form", Fixtures.PASSWORD).status());
    }

    @Test
    void expiredRevokedAndUnknownLinksGetClearPages() throws Exception {
        String expired = Fixtures.uniqueEmail("exp");
        Fixtures.invite((String) Fixtures.signup(expired, "Late").get("id"));
        String expiredToken = Fixtures.invitationToken(mailbox, expired);
        update("update invitations set expires_at = now() - interval '1 minute' where email = ?", expired);
        given().get("/invite/" + expiredToken).then().statusCode(410).body(containsString("has expired"));
        assertEquals(410, Fixtures.accept(base, expiredToken, "L", "Ate", Fixtures.PASSWORD).status());
        assertTrue(keycloakUsers.findByEmail(expired).isEmpty());

        String revoked = Fixtures.uniqueEmail("rev");
        Fixtures.invite((String) Fixtures.signup(revoked, "Withdrawn").get("id"));
        String revokedToken = Fixtures.invitationToken(mailbox, revoked);
        String invitationId = given().auth().oauth2(Fixtures.adminToken()).get("/api/admin/invitations")
                .then().statusCode(200).extract().jsonPath()
                .getString("find { it.email == '" + revoked + "' }.id");
        given().auth().oauth2(Fixtures.adminToken()).post("/api/admin/invitations/" + invitationId + "/revoke")
                .then().statusCode(200).body("status", equalTo("revoked"));
        given().auth().oauth2(Fixtures.adminToken()).post("/api/admin/invitations/" + invitationId + "/revoke")
                .then().statusCode(409);
        given().get("/invite/" + revokedToken).then().statusCode(410).body(containsString("withdrawn"));
        assertTrue(keycloakUsers.findByEmail(revoked).isEmpty());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(1,
                count("select count(*) from audit_log where type = 'invitation.revoked' and subject = ?", revoked)));
        // A revoked entry can be invited again, with a new link; the old one stays dead.
        Fixtures.invite(given().auth().oauth2(Fixtures.adminToken()).get("/api/admin/invitations")
                .then().extract().jsonPath().getString("find { it.email == '" + revoked + "' }.entry_id"));
        String fresh = Fixtures.invitationToken(mailbox, revoked);
        assertFalse(fresh.equals(revokedToken));
        given().get("/invite/" + revokedToken).then().statusCode(410);
        given().get("/invite/" + fresh).then().statusCode(200);

        given().get("/invite/" + SecretTokens.newToken()).then().statusCode(404).body(containsString("not valid"));
        given().get("/invite/short").then().statusCode(404);
    }

    @Test
    void anInvitedEmailWithAnAccountIsLinkedNotDuplicated() throws Exception {
        String email = Fixtures.uniqueEmail("link");
        String existingId = keycloakUsers.create(email, "Existing", "User", "existing-password-1");
        Fixtures.invite((String) Fixtures.signup(email, "Existing User").get("id"));
        String token = Fixtures.invitationToken(mailbox, email);
        WebSession browser = new WebSession(base);
        WebSession.Page form = browser.get("/invite/" + token);
        assertTrue(form.body().contains("already have a Sirocco account"));
        WebSession.Page done = browser.postFormNoFollow("/invite/" + token, Map.of("csrf", form.hidden("csrf")));
        assertEquals(303, done.status());
        assertEquals(existingId, keycloakUsers.findByEmail(email).orElseThrow());
        assertTrue(keycloakUsers.realmRoles(existingId).contains("customer"));
        assertEquals(1, organizations.membershipsOf(existingId).size());
        // Their old password still signs them in: nothing was reset.
        Fixtures.token(email, "existing-password-1");
    }

    @Test
    void adminsInviteTheNextInLineOrSelectedEntries() throws Exception {
        String admin = Fixtures.adminToken();
        // Clear the queue so "next N" is this test's entries.
        while (!given().auth().oauth2(admin).get("/api/admin/waitlist?status=waiting").then().extract()
                .jsonPath().getList("$").isEmpty()) {
            given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("count", 100))
                    .post("/api/admin/invitations").then().statusCode(201);
        }
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            emails.add(Fixtures.uniqueEmail("fifo" + i));
            Fixtures.signup(emails.get(i), "Fifo " + i);
        }
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("count", 2))
                .post("/api/admin/invitations").then().statusCode(201).body("$", hasSize(2))
                .body("[0].email", equalTo(emails.get(0))).body("[1].email", equalTo(emails.get(1)));
        Fixtures.invitationToken(mailbox, emails.get(0));
        Fixtures.invitationToken(mailbox, emails.get(1));
        assertTrue(mailbox.getMailsSentTo(emails.get(2)).stream().noneMatch(m -> m.getText().contains("/invite/")));
        given().auth().oauth2(admin).get("/api/admin/waitlist?status=waiting").then()
                .body("$", hasSize(1)).body("[0].email", equalTo(emails.get(2))).body("[0].position", equalTo(1));

        // Selected: an entry with a pending invitation is refused with a message.
        String firstId = given().auth().oauth2(admin).get("/api/admin/invitations").then().extract().jsonPath()
                .getString("find { it.email == '" + emails.get(0) + "' }.entry_id");
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("entry_ids", List.of(firstId)))
                .post("/api/admin/invitations").then().statusCode(400)
                .body("error.message", containsString("pending invitation"));
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("count", 0))
                .post("/api/admin/invitations").then().statusCode(400).body("error.param", equalTo("count"));
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of())
                .post("/api/admin/invitations").then().statusCode(400);

        // Tokens differ for every invitation.
        Set<String> tokens = new HashSet<>();
        for (int i = 0; i < 2; i++) {
            tokens.add(Fixtures.invitationToken(mailbox, emails.get(i)));
        }
        assertEquals(2, tokens.size());
    }

    @Test
    void adminPagesInviteWithCsrfProtectedForms() {
        String email = Fixtures.uniqueEmail("page");
        String id = (String) Fixtures.signup(email, "Paged").get("id");
        WebSession admin = WebSession.login(base, "/admin/waitlist", "admin", "admin");
        WebSession.Page page = admin.get("/admin/waitlist?status=waiting");
        assertTrue(page.body().contains(email));
        WebSession.Page forged = admin.postForm("/admin/waitlist/invite-selected", Map.of("entry", id, "csrf", "x"));
        assertEquals(403, forged.status());
        assertTrue(mailbox.getMailsSentTo(email).stream().noneMatch(m -> m.getText().contains("/invite/")));
        WebSession.Page sent = admin.postForm("/admin/waitlist/invite-selected",
                Map.of("entry", id, "csrf", page.hidden("csrf")));
        assertEquals(200, sent.status());
        assertTrue(sent.body().contains("1 invitation(s) sent"));
        String token = Fixtures.invitationToken(mailbox, email);
        // Without SMTP (mock mail), admins can read the mail to hand the link over.
        assertTrue(admin.get("/admin/outbox?to=" + email).body().contains("/invite/" + token));
    }

    private int count(String sql, String arg) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private void update(String sql, String arg) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            ps.executeUpdate();
        }
    }
}
