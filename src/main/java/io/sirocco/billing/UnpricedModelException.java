package io.sirocco.billing;

/** A model without a valid price cannot be served: billing would lose the request. */
public class UnpricedModelException extends RuntimeException {
    public UnpricedModelException(String model) {
        super("no price is set for model " + model);
    }
}
