package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Monthly invoices per org, computed from the hourly rollups. Issuing takes the next number from the counter row
 * in the same transaction as the invoice insert, so numbers have no gaps; issued invoices never change (a
 * database trigger refuses updates and deletes).
 */
@ApplicationScoped
public class Invoices {
    private static final Logger LOG = Logger.getLogger(Invoices.class);

    private static final String USAGE = """
            select case when batch then model || ' (batch)' else model end, input_eur_per_mtok, output_eur_per_mtok,
                   sum(prompt_tokens - cached_tokens), sum(completion_tokens), cached_input_eur_per_mtok,
                   sum(cached_tokens)
            from usage_hourly where org_id = ? and hour >= ? and hour < ?
            group by model, batch, input_eur_per_mtok, output_eur_per_mtok, cached_input_eur_per_mtok""";

    /** A row of an invoice list. */
    public record Summary(UUID id, long number, String displayNumber, UUID orgId, String orgName, YearMonth period,
                          BigDecimal totalEur, Instant issuedAt) {
    }

    @Inject
    AgroalDataSource db;
    @Inject
    VatPolicy vat;

    /** The running (or any unissued) month as it would be invoiced now. */
    public Invoice draft(UUID orgId, YearMonth month) {
        try (Connection c = db.getConnection()) {
            return compute(c, vat, orgId, month);
        } catch (SQLException e) {
            throw new IllegalStateException("could not compute the invoice", e);
        }
    }

    /**
     * Issues the org's invoice for a finished month, or returns the one already issued. Refuses the running
     * month: its usage is not final.
     */
    @Transactional
    public Invoice issue(UUID orgId, YearMonth month) {
        if (!month.isBefore(Months.of(Instant.now()))) {
            throw new IllegalArgumentException("only finished months can be invoiced; " + month + " is not over");
        }
        try (Connection c = db.getConnection()) {
            lockOrg(c, orgId);
            Optional<Invoice> existing = find(c, orgId, month);
            if (existing.isPresent()) {
                return existing.get();
            }
            return insert(c, compute(c, vat, orgId, month), nextNumber(c));
        } catch (SQLException e) {
            throw new IllegalStateException("could not issue the invoice", e);
        }
    }

    /** Issues the month's invoice for every org that had usage in it. Returns how many were new or existing. */
    public int issueAll(YearMonth month) {
        List<UUID> orgs = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select distinct org_id from usage_hourly where hour >= ? and hour < ?")) {
            ps.setTimestamp(1, Timestamp.from(Months.start(month)));
            ps.setTimestamp(2, Timestamp.from(Months.end(month)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    orgs.add(rs.getObject(1, UUID.class));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not list orgs to invoice", e);
        }
        orgs.forEach(org -> issue(org, month));
        return orgs.size();
    }

    /** On the first day of each month, invoice the month that just ended. */
    @Scheduled(cron = "${sirocco.billing.invoice-cron:0 15 0 1 * ?}", timeZone = "UTC")
    void issueLastMonth() {
        YearMonth last = Months.of(Instant.now()).minusMonths(1);
        LOG.infof("issued %d invoices for %s", issueAll(last), last);
    }

    /** Issued invoices, newest first; {@code orgId} null lists every org (admin). */
    public List<Summary> list(UUID orgId, int limit) {
        List<Summary> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                select id, number, org_id, org_name, period, total_eur, issued_at from invoices
                where (cast(? as uuid) is null or org_id = ?) order by number desc limit ?""")) {
            ps.setObject(1, orgId);
            ps.setObject(2, orgId);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long n = rs.getLong(2);
                    out.add(new Summary(rs.getObject(1, UUID.class), n, "SIR-%06d".formatted(n),
                            rs.getObject(3, UUID.class), rs.getString(4),
                            YearMonth.from(rs.getDate(5).toLocalDate()), rs.getBigDecimal(6),
                            rs.getTimestamp(7).toInstant()));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not list invoices", e);
        }
        return out;
    }

    /** An issued invoice; with {@code orgId} set, only if it belongs to that org. */
    public Optional<Invoice> get(UUID id, UUID orgId) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select org_id, period from invoices where id = ? and (cast(? as uuid) is null or org_id = ?)")) {
            ps.setObject(1, id);
            ps.setObject(2, orgId);
            ps.setObject(3, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return find(c, rs.getObject(1, UUID.class), YearMonth.from(rs.getDate(2).toLocalDate()));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the invoice", e);
        }
    }

    static Invoice compute(Connection c, VatPolicy vat, UUID orgId, YearMonth month) throws SQLException {
        List<InvoiceMath.Usage> usage = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(USAGE)) {
            ps.setObject(1, orgId);
            ps.setTimestamp(2, Timestamp.from(Months.start(month)));
            ps.setTimestamp(3, Timestamp.from(Months.end(month)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    usage.add(new InvoiceMath.Usage(rs.getString(1), InvoiceLine.INPUT, rs.getBigDecimal(2), rs.getLong(4)));
                    usage.add(new InvoiceMath.Usage(rs.getString(1), InvoiceLine.OUTPUT, rs.getBigDecimal(3), rs.getLong(5)));
                    usage.add(new InvoiceMath.Usage(rs.getString(1), InvoiceLine.CACHED, rs.getBigDecimal(6), rs.getLong(7)));
                }
            }
        }
        List<InvoiceLine> lines = InvoiceMath.lines(usage);
        String orgName;
        String country = null;
        String vatNumber = null;
        try (PreparedStatement ps = c.prepareStatement("""
                select o.name, a.country, a.vat_number from organizations o
                left join billing_accounts a on a.org_id = o.id where o.id = ?""")) {
            ps.setObject(1, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException("no such organization");
                }
                orgName = rs.getString(1);
                country = rs.getString(2);
                vatNumber = rs.getString(3);
            }
        }
        VatPolicy.Treatment t = vat.treatment(country, vatNumber);
        BigDecimal subtotal = InvoiceMath.subtotal(lines);
        BigDecimal vatEur = InvoiceMath.vat(subtotal, t.rate());
        return new Invoice(null, 0, orgId, month, orgName, t.country(), vatNumber, subtotal, t.rate(), vatEur,
                subtotal.add(vatEur), t.reverseCharge(), t.note(), null, lines);
    }

    private static void lockOrg(Connection c, UUID orgId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select pg_advisory_xact_lock(hashtext(?))")) {
            ps.setString(1, "invoice:" + orgId);
            ps.executeQuery().close();
        }
    }

    private static long nextNumber(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "update invoice_counter set last_number = last_number + 1 where id = 1 returning last_number");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Invoice insert(Connection c, Invoice d, long number) throws SQLException {
        UUID id = UUID.randomUUID();
        Instant now = Instant.now();
        try (PreparedStatement ps = c.prepareStatement("""
                insert into invoices (id, number, org_id, period, org_name, country, vat_number, subtotal_eur,
                    vat_rate, vat_eur, total_eur, reverse_charge, note, issued_at)
                values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)""")) {
            ps.setObject(1, id);
            ps.setLong(2, number);
            ps.setObject(3, d.orgId());
            ps.setDate(4, Date.valueOf(d.period().atDay(1)));
            ps.setString(5, d.orgName());
            ps.setString(6, d.country());
            ps.setString(7, d.vatNumber());
            ps.setBigDecimal(8, d.subtotalEur());
            ps.setBigDecimal(9, d.vatRate());
            ps.setBigDecimal(10, d.vatEur());
            ps.setBigDecimal(11, d.totalEur());
            ps.setBoolean(12, d.reverseCharge());
            ps.setString(13, d.note());
            ps.setTimestamp(14, Timestamp.from(now));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("""
                insert into invoice_lines (invoice_id, line_no, model, direction, tokens, unit_eur_per_mtok, amount_eur)
                values (?,?,?,?,?,?,?)""")) {
            int n = 1;
            for (InvoiceLine l : d.lines()) {
                ps.setObject(1, id);
                ps.setInt(2, n++);
                ps.setString(3, l.model());
                ps.setString(4, l.direction());
                ps.setLong(5, l.tokens());
                ps.setBigDecimal(6, l.unitEurPerMTok());
                ps.setBigDecimal(7, l.amountEur());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return new Invoice(id, number, d.orgId(), d.period(), d.orgName(), d.country(), d.vatNumber(),
                d.subtotalEur(), d.vatRate(), d.vatEur(), d.totalEur(), d.reverseCharge(), d.note(), now, d.lines());
    }

    private static Optional<Invoice> find(Connection c, UUID orgId, YearMonth month) throws SQLException {
        Invoice head;
        try (PreparedStatement ps = c.prepareStatement("""
                select id, number, org_name, country, vat_number, subtotal_eur, vat_rate, vat_eur, total_eur,
                       reverse_charge, note, issued_at from invoices where org_id = ? and period = ?""")) {
            ps.setObject(1, orgId);
            ps.setDate(2, Date.valueOf(month.atDay(1)));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                head = new Invoice(rs.getObject(1, UUID.class), rs.getLong(2), orgId, month, rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getBigDecimal(6), rs.getBigDecimal(7),
                        rs.getBigDecimal(8), rs.getBigDecimal(9), rs.getBoolean(10), rs.getString(11),
                        rs.getTimestamp(12).toInstant(), List.of());
            }
        }
        List<InvoiceLine> lines = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                select model, direction, tokens, unit_eur_per_mtok, amount_eur from invoice_lines
                where invoice_id = ? order by line_no""")) {
            ps.setObject(1, head.id());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lines.add(new InvoiceLine(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getBigDecimal(4),
                            rs.getBigDecimal(5)));
                }
            }
        }
        return Optional.of(new Invoice(head.id(), head.number(), orgId, month, head.orgName(), head.country(),
                head.vatNumber(), head.subtotalEur(), head.vatRate(), head.vatEur(), head.totalEur(),
                head.reverseCharge(), head.note(), head.issuedAt(), List.copyOf(lines)));
    }
}
