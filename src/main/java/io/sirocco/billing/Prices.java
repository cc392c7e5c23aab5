package io.sirocco.billing;

import java.math.BigDecimal;
import java.math.MathContext;

/** Euro prices per million tokens for one model, and the exact cost of a request at them. */
public record Prices(String model, BigDecimal inputEurPerMTok, BigDecimal outputEurPerMTok) {
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    /** Exact cost in euros: no rounding happens here (invoices round, per line). */
    public BigDecimal cost(long promptTokens, long completionTokens) {
        BigDecimal micro = inputEurPerMTok.multiply(BigDecimal.valueOf(promptTokens))
                .add(outputEurPerMTok.multiply(BigDecimal.valueOf(completionTokens)));
        return micro.divide(MILLION, MathContext.UNLIMITED);
    }
}
