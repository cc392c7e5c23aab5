package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/** Reads the versioned price book: the prices of a model valid at an instant. */
@ApplicationScoped
public class PriceBook {

    private static final String AT = """
            select input_eur_per_mtok, output_eur_per_mtok from price_book
            where model = ? and valid_from <= ? order by valid_from desc limit 1
            """;

    @Inject
    AgroalDataSource db;

    public Optional<Prices> pricesAt(String model, Instant at) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(AT)) {
            ps.setString(1, model);
            ps.setTimestamp(2, Timestamp.from(at));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new Prices(model, rs.getBigDecimal(1), rs.getBigDecimal(2)))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("price lookup failed for " + model, e);
        }
    }
}
