package io.sirocco.billing;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.UUID;

/**
 * A monthly invoice. Issued invoices are immutable and numbered without gaps; a draft (the running month) has
 * number 0 and no id.
 */
public record Invoice(UUID id, long number, UUID orgId, YearMonth period, String orgName, String country,
                      String vatNumber, BigDecimal subtotalEur, BigDecimal vatRate, BigDecimal vatEur,
                      BigDecimal totalEur, boolean reverseCharge, String note, Instant issuedAt,
                      List<InvoiceLine> lines) {

    public boolean draft() {
        return id == null;
    }

    /** The printed number, e.g. SIR-000042. */
    public String displayNumber() {
        return draft() ? "DRAFT" : "SIR-%06d".formatted(number);
    }
}
