package io.sirocco.billing;

/**
 * What a caller attached to a request for its own bookkeeping, stored on the ledger row as sent: OpenAI's
 * {@code user} (an end-user id) and {@code metadata} (a JSON object of strings, as compact JSON text).
 */
public record RequestTags(String endUser, String metadataJson) {
    public static final RequestTags NONE = new RequestTags(null, null);
}
