package io.sirocco.engine.grammar;

import io.sirocco.engine.EngineException;

/**
 * A schema, pattern or grammar that cannot be enforced. {@link #keyword()} names the offending part
 * (a JSON-Schema keyword such as {@code "not"}, {@code "pattern"}, {@code "$ref"}, or {@code "schema"}
 * for the size limits), so the gateway can answer 422 naming it.
 */
public final class GrammarException extends EngineException {
    private final String keyword;

    public GrammarException(String keyword, String message) {
        super(message);
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }
}
