package io.sirocco.site;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

/** {@code /docs} is the API guide rendered to HTML, with a table of contents whose links reach its headings. */
@QuarkusTest
class DocsTest {

    @Test
    void rendersTheApiGuideWithContentsAndTheOpenApiLink() {
        given().get("/docs").then().statusCode(200)
                .body(containsString("<h1 id=\"the-v1-api\">The <code>/v1</code> API</h1>"))
                .body(containsString("<a href=\"#authentication\">Authentication</a>"))
                .body(containsString("<h2 id=\"authentication\">Authentication</h2>"))
                .body(containsString("<table>"))
                .body(containsString("href=\"/q/swagger-ui\""))
                .body(not(containsString("| field | type |")));
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
