package io.sirocco.billing;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Euro prices per million tokens for one model, and the exact cost of a request at them. Prompt tokens served
 * from the engine's prefix cache ({@code cached}, part of the prompt) cost {@code cachedInputEurPerMTok}.
 * {@code batch}: these are the model's batch prices (asynchronous batch lines), and usage at them is marked batch.
 */
public record Prices(String model, BigDecimal inputEurPerMTok, BigDecimal outputEurPerMTok,
                     BigDecimal cachedInputEurPerMTok, boolean batch) {
    /** Live prices. */
    public Prices(String model, BigDecimal inputEurPerMTok, BigDecimal outputEurPerMTok,
                  BigDecimal cachedInputEurPerMTok) {
        this(model, inputEurPerMTok, outputEurPerMTok, cachedInputEurPerMTok, false);
    }

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    /** The launch default of the cached-input price: 10 % of the input price (as Mistral bills cached tokens). */
    static final BigDecimal DEFAULT_CACHED_SHARE = new BigDecimal("0.1");

    /** Prices with the default cached-input price. */
    public Prices(String model, BigDecimal inputEurPerMTok, BigDecimal outputEurPerMTok) {
        this(model, inputEurPerMTok, outputEurPerMTok, defaultCached(inputEurPerMTok));
    }

    /** 10 % of the input price, to the price book's 9 decimals (half up, as PostgreSQL rounds NUMERIC). */
    public static BigDecimal defaultCached(BigDecimal inputEurPerMTok) {
        return inputEurPerMTok.multiply(DEFAULT_CACHED_SHARE).setScale(9, RoundingMode.HALF_UP).stripTrailingZeros();
    }

    /** Exact cost in euros with no cached tokens. */
    public BigDecimal cost(long promptTokens, long completionTokens) {
        return cost(promptTokens, 0, completionTokens);
    }

    /** Exact cost in euros: no rounding happens here (invoices round, per line). */
    public BigDecimal cost(long promptTokens, long cachedTokens, long completionTokens) {
        if (cachedTokens < 0 || cachedTokens > promptTokens) {
            throw new IllegalArgumentException("cached tokens " + cachedTokens + " outside 0.." + promptTokens);
        }
        BigDecimal micro = inputEurPerMTok.multiply(BigDecimal.valueOf(promptTokens - cachedTokens))
                .add(cachedInputEurPerMTok.multiply(BigDecimal.valueOf(cachedTokens)))
                .add(outputEurPerMTok.multiply(BigDecimal.valueOf(completionTokens)));
        return micro.divide(MILLION, MathContext.UNLIMITED);
    }
}
