package io.sirocco.billing;

import java.math.BigDecimal;

/** One invoice line: a model and direction at one unit price; amount rounded half-even to cents. */
public record InvoiceLine(String model, String direction, long tokens, BigDecimal unitEurPerMTok,
                          BigDecimal amountEur) {
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";
}
