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

    static final List<String> CONSOLE = List.of("/console/keys", "/console/usage", "/console/invoices");
    static final List<String> ADMIN = List.of("/admin/waitlist", "/admin/orgs", "/admin/billing");
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

    static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
