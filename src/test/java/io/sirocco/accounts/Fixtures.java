package io.sirocco.accounts;

import io.quarkus.mailer.Mail;
import io.quarkus.mailer.MockMailbox;
import io.restassured.http.ContentType;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;

/** Test helpers over the real services: signups, admin tokens, invitations read from the mock mailbox, customers. */
public final class Fixtures {
    public static final String PASSWORD = "correct-horse-battery";
    private static final Pattern INVITE_LINK = Pattern.compile("/invite/([A-Za-z0-9_-]{43})");
    private static final Pattern STATUS_LINK = Pattern.compile("/waitlist/status/([A-Za-z0-9_-]{43})");

    /** A signed-up, invited, accepted person with their org. */
    public record Customer(String email, String password, UUID orgId, String userId) {
    }

    private Fixtures() {
    }

    public static String keycloakUrl() {
        String url = System.getenv("SIROCCO_KEYCLOAK_URL");
        return url == null || url.isBlank() ? "http://localhost:8180" : url;
    }

    public static String uniqueEmail(String tag) {
        return tag + "-" + UUID.randomUUID().toString().substring(0, 12) + "@test.sirocco.local";
    }

    /** An access token from Keycloak's token endpoint (password grant on sirocco-service). */
    public static String token(String username, String password) {
        return given().baseUri(keycloakUrl()).contentType(ContentType.URLENC)
                .formParam("grant_type", "password").formParam("client_id", "sirocco-service")
                .formParam("client_secret", clientSecret()).formParam("username", username)
                .formParam("password", password)
                .post("/realms/sirocco/protocol/openid-connect/token")
                .then().statusCode(200).extract().path("access_token");
    }

    /** The sirocco-service client secret the service runs with (the run's Keycloak was imported with it). */
    public static String clientSecret() {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("quarkus.oidc.credentials.secret", String.class);
    }

    public static String adminToken() {
        return token("admin", "admin");
    }

    /** The {@code sub} claim of a JWT (no verification: tests only). */
    public static String subject(String jwt) {
        String payload = new String(java.util.Base64.getUrlDecoder().decode(jwt.split("\\.")[1]),
                java.nio.charset.StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\"sub\":\"([^\"]+)\"").matcher(payload);
        if (!m.find()) {
            throw new AssertionError("token without sub");
        }
        return m.group(1);
    }

    /** Signs up through the JSON API; returns the entry as its mailed status link shows it. */
    public static Map<String, Object> signup(String email, String name) {
        given().contentType(ContentType.JSON).body(Map.of("email", email, "name", name))
                .post("/api/waitlist").then().statusCode(202);
        String token = statusToken(io.quarkus.arc.Arc.container().instance(MockMailbox.class).get(), email);
        return given().get("/api/waitlist/status/" + token).then().statusCode(200).extract().as(Map.class);
    }

    /** Admin invites this entry (by id) through the admin API. */
    public static void invite(String entryId) {
        given().auth().oauth2(adminToken()).contentType(ContentType.JSON)
                .body(Map.of("entry_ids", List.of(entryId))).post("/api/admin/invitations")
                .then().statusCode(201);
    }

    /** The token of the latest invitation mailed to this address. */
    public static String invitationToken(MockMailbox mailbox, String email) {
        return lastLink(mailbox, email, INVITE_LINK);
    }

    public static String statusToken(MockMailbox mailbox, String email) {
        return lastLink(mailbox, email, STATUS_LINK);
    }

    private static String lastLink(MockMailbox mailbox, String email, Pattern p) {
        List<Mail> mails = mailbox.getMailsSentTo(email);
        for (int i = mails.size() - 1; i >= 0; i--) {
            Matcher m = p.matcher(mails.get(i).getText());
            if (m.find()) {
                return m.group(1);
            }
        }
        throw new AssertionError("no matching mail to " + email);
    }

    /** Opens the invitation link and submits the account form; returns the page after the redirects. */
    public static WebSession.Page accept(URI base, String token, String first, String last, String password) {
        WebSession browser = new WebSession(base);
        WebSession.Page form = browser.get("/invite/" + token);
        if (form.status() != 200) {
            return form;
        }
        return browser.postFormNoFollow("/invite/" + token, Map.of("csrf", form.hidden("csrf"), "first_name", first,
                "last_name", last, "password", password, "password_confirm", password, "org_name", first + " Labs"));
    }

    /** A whole new customer: signup, admin invite, acceptance. */
    public static Customer customer(URI base, MockMailbox mailbox, String tag) {
        String email = uniqueEmail(tag);
        Map<String, Object> entry = signup(email, tag + " Person");
        invite((String) entry.get("id"));
        WebSession.Page done = accept(base, invitationToken(mailbox, email), tag, "Person", PASSWORD);
        if (done.status() != 303) {
            throw new AssertionError("accept failed: " + done.status() + " " + done.body());
        }
        String customerToken = token(email, PASSWORD);
        List<Map<String, Object>> orgs = given().auth().oauth2(customerToken).get("/api/console/orgs")
                .then().log().ifValidationFails().statusCode(200).extract().as(List.class);
        UUID orgId = UUID.fromString((String) orgs.getFirst().get("id"));
        String userId = subject(customerToken);
        return new Customer(email, PASSWORD, orgId, userId);
    }
}
