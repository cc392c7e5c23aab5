package io.sirocco.site;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /docs}: every user-facing guide rendered to HTML, one navigation listing them all with the current guide's
 * contents, links between guides that land on a heading that exists, and curl examples with the visitor's base URL.
 */
@QuarkusTest
class DocsTest {
    private static final Pattern HREF = Pattern.compile("href=\"([^\"]*)\"");
    private static final Pattern ID = Pattern.compile(" id=\"([^\"]+)\"");

    @Test
    void rendersTheApiGuideWithContentsAndTheOpenApiLink() {
        given().get("/docs").then().statusCode(200)
                .body(containsString("<h1 id=\"the-v1-api\">The <code>/v1</code> API</h1>"))
                .body(containsString("<a href=\"#authentication\">Authentication</a>"))
                .body(containsString("<h2 id=\"authentication\">Authentication</h2>"))
                .body(containsString("<a href=\"/docs\" aria-current=\"page\">API guide</a>"))
                .body(containsString("<table>"))
                .body(containsString("href=\"/q/swagger-ui\""))
                .body(not(containsString("| field | type |")));
    }

    @Test
    void rendersEveryGuideWithOneNavigationListingThemAll() {
        Map<String, String> h1 = Map.of("/docs/accounts", "<h1 id=\"accounts-waitlist-invitations-sign-in-organizations-and-api-keys\">",
                "/docs/billing", "<h1 id=\"billing\">", "/docs/configuration", "<h1 id=\"configuration\">",
                "/docs/operations", "<h1 id=\"operations");
        for (var e : h1.entrySet()) {
            String html = given().get(e.getKey()).then().statusCode(200).extract().asString();
            assertTrue(html.contains(e.getValue()), e.getKey() + " shows its guide: " + e.getValue());
            assertTrue(html.contains("<a href=\"" + e.getKey() + "\" aria-current=\"page\">"), e.getKey() + " is marked current");
            for (Docs.Guide g : Docs.PAGES) {
                assertTrue(html.contains("href=\"" + g.href() + "\""), e.getKey() + " links to " + g.href());
            }
            assertFalse(html.contains("| --- |") || html.contains("|---|"), e.getKey() + " has raw Markdown tables");
        }
    }

    @Test
    void guidesForPeopleWorkingOnSiroccoItselfAreNotPages() {
        for (String internal : List.of("architecture", "engine", "benchmarks", "api", "nope", "..%2Fpom.xml")) {
            given().get("/docs/" + internal).then().statusCode(404);
        }
    }

    /** Every link in every guide goes to a page that opens, and a link with an anchor to a heading on that page. */
    @Test
    void everyLinkBetweenGuidesLandsOnAnExistingHeading() {
        Map<String, String> pages = new HashMap<>();
        for (Docs.Guide g : Docs.PAGES) {
            pages.put(g.href(), given().get(g.href()).then().statusCode(200).extract().asString());
        }
        List<String> checked = new ArrayList<>();
        for (var page : pages.entrySet()) {
            Matcher m = HREF.matcher(page.getValue());
            while (m.find()) {
                String href = m.group(1);
                assertFalse(href.contains(".md"), page.getKey() + " links to a Markdown file: " + href);
                if (href.startsWith("http") || href.startsWith("/q/") || href.startsWith("/static/") || href.equals("/")
                        || href.equals("/signin") || href.equals("/logout")) {
                    continue;
                }
                int hash = href.indexOf('#');
                String target = hash < 0 ? href : href.substring(0, hash);
                String body = target.isEmpty() ? page.getValue() : pages.get(target);
                assertTrue(body != null, page.getKey() + " links to " + href + ", which is not a guide");
                if (hash >= 0) {
                    String anchor = href.substring(hash + 1);
                    assertTrue(ID.matcher(body).results().anyMatch(r -> r.group(1).equals(anchor)),
                            page.getKey() + " links to " + href + ": no such heading");
                }
                checked.add(href);
            }
        }
        assertTrue(checked.contains("/docs/billing#batch-prices"), "the API guide's link to batch prices: " + checked);
        assertTrue(checked.contains("/docs/operations#single-node-security-defaults"), checked.toString());
        assertTrue(checked.size() > 100, "the contents links count too: " + checked.size());
    }

    @Test
    void aLinkToAFileThatIsNotAGuideKeepsItsWords() {
        Docs.Rendered r = Docs.render("See the [grammar engine](engine.md#constrained-decoding-grammar), "
                + "[prices](billing.md#batch-prices), [the API](./api.md) and [Mistral](https://docs.mistral.ai).");
        assertEquals("<p>See the grammar engine, <a href=\"/docs/billing#batch-prices\">prices</a>, "
                + "<a href=\"/docs\">the API</a> and <a href=\"https://docs.mistral.ai\">Mistral</a>.</p>\n", r.html());
    }

    @Test
    void curlExamplesUseTheVisitorsBaseUrl() {
        given().header("Host", "api.example.eu:8443").get("/docs").then().statusCode(200)
                .body(containsString("export SIROCCO=http://api.example.eu:8443"))
                .body(not(containsString("localhost:8080")));
    }

    @Test
    void isLinkedFromTheLandingPage() {
        given().get("/").then().statusCode(200).body(containsString("href=\"/docs\""));
    }
}
