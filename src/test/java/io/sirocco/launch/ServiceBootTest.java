package io.sirocco.launch;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/** The service boots against the run's real PostgreSQL, with every migration applied. */
@QuarkusTest
class ServiceBootTest {
    @Test
    void liveAndMigrated() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }
}
