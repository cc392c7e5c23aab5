package io.sirocco.billing;

import java.math.BigDecimal;

/** One invoice line: a model and direction at one unit price; amount rounded half-even to cents. */
public record InvoiceLine(String model, String direction, long tokens, BigDecimal unitEurPerMTok,
                          BigDecimal amountEur) {
    public static final String INPUT = "input";
    /** Prompt tokens served from the prefix cache, at the cached-input price. */
    public static final String CACHED = "cached";
    public static final String OUTPUT = "output";
}
