package io.sirocco.site;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sirocco.billing.PriceBook;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The landing page's price table is the price book in force at the moment of the view, to the last decimal. */
@QuarkusTest
class LandingPageTest {

    static final String MODEL = "landing-test-model";

    @Inject
    PriceBook priceBook;
    @Inject
    AgroalDataSource db;

    @AfterEach
    void dropTestPrices() throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("delete from price_book where model = ?")) {
            ps.setString(1, MODEL);
            ps.executeUpdate();
        }
    }

    /** The input, cached-input, output, batch-input and batch-output cells of a model's row on the landing page. */
    static String[] row(String model) {
        String page = given().get("/").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("<tr data-model=\"" + Pattern.quote(model) + "\">.*?class=\"num input\">€([0-9.]+)<"
                + ".*?class=\"num cached\">€([0-9.]+)<.*?class=\"num output\">€([0-9.]+)<"
                + ".*?class=\"num batch-input\">€([0-9.]+)<.*?class=\"num batch-output\">€([0-9.]+)<", Pattern.DOTALL)
                .matcher(page);
        assertTrue(m.find(), model + " has a row in the price table");
        return new String[] {m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)};
    }

    @Test
    void showsTheLaunchPricesOfTheSeededPriceBook() {
        assertEquals("0.14", row("mistral-tiny")[0]);
        assertEquals("0.42", row("mistral-tiny")[2]);
        assertEquals("7.5", row("mistral-medium")[2]);
        assertEquals("0.07", row("mistral-tiny")[3], "batch: half the live price by default");
        assertEquals("0.21", row("mistral-tiny")[4]);
    }

    @Test
    void showsTheValidPricesBeforeAndAfterAScheduledChange() throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                insert into price_book (model, input_eur_per_mtok, output_eur_per_mtok, cached_input_eur_per_mtok,
                    valid_from) values (?, 0.123456789, 1.5, 0.012345679, now() - interval '1 day')""")) {
            ps.setString(1, MODEL);
            ps.executeUpdate();
        }
        String[] before = row(MODEL);
        assertEquals("0.123456789", before[0]);
        assertEquals("0.012345679", before[1]);
        assertEquals("1.5", before[2]);

        Instant change = Instant.now().plusSeconds(2);
        priceBook.schedule(MODEL, new BigDecimal("0.2"), new BigDecimal("2.000000001"), new BigDecimal("0.05"), change);
        assertEquals("0.123456789", row(MODEL)[0], "a scheduled price is not shown before it is valid");

        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(change));
        String[] after = row(MODEL);
        assertEquals("0.2", after[0]);
        assertEquals("0.05", after[1]);
        assertEquals("2.000000001", after[2]);
        assertEquals("0.1", after[3]);
        assertEquals("1.000000001", after[4], "half of 2.000000001, to the price book's 9 decimals, half up");
    }
}
