package io.sirocco.accounts;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The navigation bar by role: each viewer sees only the links it can open, and every link it sees opens. */
@QuarkusTest
class NavigationTest extends AccountsTestBase {

    static final List<String> CONSOLE = List.of("/console/playground", "/console/batch", "/console/keys", "/console/usage",
            "/console/invoices", "/console/team");
    /** What each team role sees (docs/accounts.md, io.sirocco.accounts.OrgRole). */
    static final List<String> DEVELOPER = List.of("/console/playground", "/console/batch", "/console/keys",
            "/console/usage");
    static final List<String> BILLING = List.of("/console/usage", "/console/invoices");
    static final List<String> ADMIN = List.of("/admin/waitlist", "/admin/orgs", "/admin/billing", "/admin/batch");
    static final Pattern NAV = Pattern.compile("<nav aria-label=\"Main\">(.*?)</nav>", Pattern.DOTALL);
    static final Pattern HREF = Pattern.compile("href=\"([^\"]+)\"");

    static String nav(String page) {
        Matcher m = NAV.matcher(page);
        assertTrue(m.find(), "the page has the main navigation");
        return m.group(1);
    }

    static List<String> links(String nav) {
        return HREF.matcher(nav).results().map(r -> r.group(1)).toList();
    }

    @Test
    void anonymousVisitorsSeeOnlyPublicLinksAndEachOpens() {
        for (String path : List.of("/", "/waitlist")) {
            String nav = nav(given().get(path).then().statusCode(200).extract().asString());
            for (String hidden : concat(CONSOLE, ADMIN)) {
                assertFalse(nav.contains(hidden), path + " shows " + hidden + " to an anonymous visitor");
            }
            assertTrue(nav.contains("href=\"/signin\""), "a way to sign in");
            assertFalse(nav.contains("/logout"));
            for (String link : links(nav)) {
                if (!link.equals("/signin")) {
                    assertEquals(200, given().redirects().follow(true).get(link).statusCode(), link + " opens");
                }
            }
        }
    }

    @Test
    void signInLandsEachRoleOnItsOwnPages() {
        Fixtures.Customer c = Fixtures.customer(base, mailbox, "nav");
        WebSession customer = WebSession.login(base, "/signin", c.email(), c.password());
        WebSession.Page home = customer.get("/signin");
        assertEquals(200, home.status());
        assertTrue(home.uri().getPath().startsWith("/console/keys"), home.uri().toString());

        WebSession admin = WebSession.login(base, "/signin", "admin", "admin");
        WebSession.Page adminHome = admin.get("/signin");
        assertEquals(200, adminHome.status());
        assertTrue(adminHome.uri().getPath().startsWith("/admin/"), adminHome.uri().toString());
    }

    @Test
    void customersSeeTheirConsoleAndAdminsTheAdminPages() {
        Fixtures.Customer c = Fixtures.customer(base, mailbox, "navc");
        WebSession customer = WebSession.login(base, "/console/keys", c.email(), c.password());
        for (String page : CONSOLE) {
            String nav = nav(customer.get(page).body());
            assertEquals(CONSOLE, links(nav), page);
            assertTrue(nav.contains("method=\"post\" action=\"/logout\""), "signing out is a POST form: " + nav);
            assertTrue(nav.contains(c.email()), "sign out names the viewer");
        }
        for (String forbidden : ADMIN) {
            assertEquals(403, customer.get(forbidden).status(), forbidden);
        }

        WebSession admin = WebSession.login(base, "/admin/waitlist", "admin", "admin");
        for (String page : ADMIN) {
            String nav = nav(admin.get(page).body());
            assertEquals(ADMIN, links(nav), page);
            assertTrue(nav.contains("method=\"post\" action=\"/logout\""), page);
        }
        assertEquals(403, admin.get("/console/keys").status(), "admin is not a customer");
    }

    @Test
    void developerAndBillingMembersSeeOnlyTheirLinksAndAreRefusedTheRest() {
        Fixtures.Customer owner = Fixtures.customer(base, mailbox, "navo");
        String ownerToken = Fixtures.token(owner.email(), owner.password());
        for (var role : java.util.Map.of("developer", DEVELOPER, "billing", BILLING).entrySet()) {
            String email = Fixtures.uniqueEmail("nav" + role.getKey());
            given().auth().oauth2(ownerToken).contentType(io.restassured.http.ContentType.JSON)
                    .body(java.util.Map.of("email", email, "role", role.getKey()))
                    .post("/api/console/orgs/" + owner.orgId() + "/invitations").then().statusCode(201);
            assertEquals(303, Fixtures.accept(base, Fixtures.invitationToken(mailbox, email), "Nav", "Mate",
                    Fixtures.PASSWORD).status());
            WebSession s = WebSession.login(base, "/console", email, Fixtures.PASSWORD);
            WebSession.Page landed = s.get("/signin");
            assertEquals(200, landed.status(), role.getKey() + " lands on a page it may open");
            assertEquals(role.getKey().equals("developer") ? "/console/keys" : "/console/usage", landed.uri().getPath());
            for (String page : role.getValue()) {
                WebSession.Page p = s.get(page);
                assertEquals(200, p.status(), role.getKey() + " opens " + page);
                assertEquals(role.getValue(), links(nav(p.body())), role.getKey() + " on " + page);
                assertTrue(nav(p.body()).contains("method=\"post\" action=\"/logout\""), role.getKey() + " can sign out");
            }
            for (String other : concat(CONSOLE, ADMIN)) {
                if (!role.getValue().contains(other)) {
                    int status = s.get(other).status();
                    assertTrue(status == 403 || status == 404, role.getKey() + " opens " + other + ": " + status);
                }
            }
        }
    }

    static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
