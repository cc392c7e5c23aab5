package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads and extends the versioned price book. Prices only take effect from a future instant. */
@ApplicationScoped
public class PriceBook {

    private static final String AT = """
            select input_eur_per_mtok, output_eur_per_mtok, cached_input_eur_per_mtok,
                   coalesce(batch_input_eur_per_mtok, round(input_eur_per_mtok * 0.5, 9)),
                   coalesce(batch_output_eur_per_mtok, round(output_eur_per_mtok * 0.5, 9)),
                   coalesce(batch_cached_input_eur_per_mtok, round(cached_input_eur_per_mtok * 0.5, 9))
            from price_book where model = ? and valid_from <= ? order by valid_from desc limit 1
            """;

    /** One price book row. {@code current} is true for the row in force now. */
    public record Entry(long id, String model, BigDecimal inputEurPerMTok, BigDecimal outputEurPerMTok,
                        BigDecimal cachedInputEurPerMTok, Instant validFrom, boolean current, boolean scheduled) {
    }

    @Inject
    AgroalDataSource db;

    public Optional<Prices> pricesAt(String model, Instant at) {
        return pricesAt(model, at, false);
    }

    /**
     * The live or the batch prices of a model valid at an instant. A row without batch prices of its own has the
     * launch default: 50 % of its live prices.
     */
    public Optional<Prices> pricesAt(String model, Instant at, boolean batch) {
        try (Connection c = db.getConnection()) {
            return pricesAt(c, model, at, batch);
        } catch (SQLException e) {
            throw new IllegalStateException("price lookup failed for " + model, e);
        }
    }

    /** The prices of a model valid at an instant: the row with the latest valid_from not after it. */
    static Optional<Prices> pricesAt(Connection c, String model, Instant at) throws SQLException {
        return pricesAt(c, model, at, false);
    }

    static Optional<Prices> pricesAt(Connection c, String model, Instant at, boolean batch) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(AT)) {
            ps.setString(1, model);
            ps.setTimestamp(2, Timestamp.from(at));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                int first = batch ? 4 : 1;
                return Optional.of(new Prices(model, rs.getBigDecimal(first), rs.getBigDecimal(first + 1),
                        rs.getBigDecimal(first + 2), batch));
            }
        }
    }

    /** Schedules new prices with the default cached-input price (10 % of the input price). */
    public void schedule(String model, BigDecimal inputEurPerMTok, BigDecimal outputEurPerMTok, Instant validFrom) {
        schedule(model, inputEurPerMTok, outputEurPerMTok, null, validFrom);
    }

    /**
     * Schedules new prices for a model from {@code validFrom}, which must be in the future: requests already
     * admitted (and every ledger row) keep the prices they were admitted at. A null cached-input price means
     * the default, 10 % of the input price.
     */
    public void schedule(String model, BigDecimal inputEurPerMTok, BigDecimal outputEurPerMTok,
                         BigDecimal cachedInputEurPerMTok, Instant validFrom) {
        if (model == null || !model.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException("model must be 1-64 lower-case letters, digits, '.', '_' or '-'");
        }
        if (inputEurPerMTok == null || outputEurPerMTok == null
                || inputEurPerMTok.signum() < 0 || outputEurPerMTok.signum() < 0) {
            throw new IllegalArgumentException("prices must be zero or positive");
        }
        if (inputEurPerMTok.scale() > 9 || outputEurPerMTok.scale() > 9
                || inputEurPerMTok.precision() - inputEurPerMTok.scale() > 11
                || outputEurPerMTok.precision() - outputEurPerMTok.scale() > 11) {
            throw new IllegalArgumentException("prices have at most 11 integer digits and 9 decimals");
        }
        BigDecimal cached = cachedInputEurPerMTok == null ? Prices.defaultCached(inputEurPerMTok) : cachedInputEurPerMTok;
        if (cached.signum() < 0 || cached.stripTrailingZeros().scale() > 9
                || cached.precision() - cached.scale() > 11) {
            throw new IllegalArgumentException("the cached-input price is zero or positive, with at most 11 integer "
                    + "digits and 9 decimals");
        }
        if (validFrom == null || !validFrom.isAfter(Instant.now())) {
            throw new IllegalArgumentException("new prices must start in the future");
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                insert into price_book (model, input_eur_per_mtok, output_eur_per_mtok, cached_input_eur_per_mtok,
                    valid_from) values (?,?,?,?,?) on conflict (model, valid_from) do nothing""")) {
            ps.setString(1, model);
            ps.setBigDecimal(2, inputEurPerMTok);
            ps.setBigDecimal(3, outputEurPerMTok);
            ps.setBigDecimal(4, cached.stripTrailingZeros());
            ps.setTimestamp(5, Timestamp.from(validFrom));
            if (ps.executeUpdate() == 0) {
                throw new IllegalArgumentException("a price for " + model + " already starts at " + validFrom);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not schedule prices for " + model, e);
        }
    }

    /** The prices in force now and those scheduled for later, per model; older rows are history. */
    public List<Entry> currentAndScheduled() {
        String sql = """
                select id, model, input_eur_per_mtok, output_eur_per_mtok, cached_input_eur_per_mtok, valid_from,
                       valid_from = max(valid_from) filter (where valid_from <= now()) over (partition by model) as current,
                       valid_from > now() as scheduled
                from price_book order by model, valid_from""";
        List<Entry> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                boolean current = rs.getBoolean(7);
                boolean scheduled = rs.getBoolean(8);
                if (current || scheduled) {
                    out.add(new Entry(rs.getLong(1), rs.getString(2), rs.getBigDecimal(3), rs.getBigDecimal(4),
                            rs.getBigDecimal(5), rs.getTimestamp(6).toInstant(), current, scheduled));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the price book", e);
        }
        return out;
    }
}
