package io.sirocco.billing;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Invoice arithmetic, all BigDecimal: lines rounded half-even to cents, the subtotal is the sum of the lines. */
public final class InvoiceMath {
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private InvoiceMath() {
    }

    /** Billed tokens of one model and direction at one unit price (as summed from the rollups). */
    public record Usage(String model, String direction, BigDecimal unitEurPerMTok, long tokens) {
    }

    /** Merges usage by (model, direction, unit price) and prices each line; zero-token lines are dropped. */
    public static List<InvoiceLine> lines(List<Usage> usage) {
        Map<String, Usage> merged = new TreeMap<>();
        for (Usage u : usage) {
            if (u.tokens() == 0) {
                continue;
            }
            String k = u.model() + '\u0000' + u.direction() + '\u0000' + u.unitEurPerMTok().stripTrailingZeros().toPlainString();
            merged.merge(k, u, (a, b) -> new Usage(a.model(), a.direction(), a.unitEurPerMTok(), a.tokens() + b.tokens()));
        }
        List<InvoiceLine> out = new ArrayList<>();
        for (Usage u : merged.values()) {
            out.add(new InvoiceLine(u.model(), u.direction(), u.tokens(), u.unitEurPerMTok(),
                    amount(u.tokens(), u.unitEurPerMTok())));
        }
        out.sort(Comparator.comparing(InvoiceLine::model)
                .thenComparing(l -> switch (l.direction()) {
                    case InvoiceLine.INPUT -> 0;
                    case InvoiceLine.CACHED -> 1;
                    default -> 2;
                })
                .thenComparing(InvoiceLine::unitEurPerMTok));
        return out;
    }

    /** tokens x price per million, exact, then rounded half-even to cents. */
    public static BigDecimal amount(long tokens, BigDecimal unitEurPerMTok) {
        return unitEurPerMTok.multiply(BigDecimal.valueOf(tokens))
                .divide(MILLION, MathContext.UNLIMITED)
                .setScale(2, RoundingMode.HALF_EVEN);
    }

    public static BigDecimal subtotal(List<InvoiceLine> lines) {
        return lines.stream().map(InvoiceLine::amountEur).reduce(BigDecimal.ZERO.setScale(2), BigDecimal::add);
    }

    public static BigDecimal vat(BigDecimal subtotal, BigDecimal rate) {
        return subtotal.multiply(rate).setScale(2, RoundingMode.HALF_EVEN);
    }
}
