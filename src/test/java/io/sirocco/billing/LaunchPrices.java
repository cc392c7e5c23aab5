package io.sirocco.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/** The launch price book seeded by V1 (€ per million tokens: input, output) and what it makes of token totals. */
final class LaunchPrices {
    static final Map<String, BigDecimal[]> BOOK = Map.of(
            "mistral-tiny", new BigDecimal[]{new BigDecimal("0.14"), new BigDecimal("0.42")},
            "mistral-small", new BigDecimal[]{new BigDecimal("0.60"), new BigDecimal("1.80")},
            "mistral-medium", new BigDecimal[]{new BigDecimal("2.50"), new BigDecimal("7.50")},
            "mistral-embed", new BigDecimal[]{new BigDecimal("0.10"), BigDecimal.ZERO});

    /** An invoice's expected line count and subtotal. */
    record Expected(int lines, BigDecimal subtotal) {
    }

    private LaunchPrices() {
    }

    /** The exact cost of one request, {@code cached} of its prompt tokens at the cached-input price (10 %). */
    static BigDecimal cost(String model, long prompt, long cached, long completion) {
        BigDecimal[] p = BOOK.get(model);
        return p[0].multiply(BigDecimal.valueOf(prompt - cached)).add(cachedPrice(model).multiply(BigDecimal.valueOf(cached)))
                .add(p[1].multiply(BigDecimal.valueOf(completion))).movePointLeft(6);
    }

    static BigDecimal cachedPrice(String model) {
        return BOOK.get(model)[0].movePointLeft(1);
    }

    /**
     * Model → {uncached input, output, cached input} token totals: one line per model and direction with tokens,
     * each rounded half-even.
     */
    static Expected invoice(Map<String, long[]> tokens) {
        BigDecimal subtotal = BigDecimal.ZERO.setScale(2);
        int lines = 0;
        for (Map.Entry<String, long[]> e : tokens.entrySet()) {
            for (int d = 0; d < 3; d++) {
                if (e.getValue()[d] > 0) {
                    lines++;
                    BigDecimal price = d == 2 ? cachedPrice(e.getKey()) : BOOK.get(e.getKey())[d];
                    subtotal = subtotal.add(price.multiply(BigDecimal.valueOf(e.getValue()[d]))
                            .movePointLeft(6).setScale(2, RoundingMode.HALF_EVEN));
                }
            }
        }
        return new Expected(lines, subtotal);
    }
}
