package io.sirocco.billing;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** How a request ended, as the ledger records it (column {@code usage_ledger.status}) and usage events carry it. */
public enum UsageStatus {
    /** The engine finished (stop, length). */
    COMPLETED,
    /** The client went away; billed for what was produced. */
    ABORTED,
    /** An error; billed for what was produced, nothing when nothing was. */
    FAILED;

    /** The stored and wire form: {@code completed}, {@code aborted}, {@code failed}. */
    @JsonValue
    public String column() {
        return name().toLowerCase(Locale.ROOT);
    }
}
