package io.sirocco.gateway.dispatch;

import java.util.Locale;

/**
 * What one JVM of the single image does ({@code sirocco.role}).
 * <ul>
 *   <li>{@link #ALL}: gateway and workers in one JVM with in-memory channels (single node, the default);</li>
 *   <li>{@link #GATEWAY}: the API, auth, limits, budgets and billing; loads no model, dispatches through RabbitMQ;</li>
 *   <li>{@link #WORKER}: serves the models in {@code sirocco.worker.models} from RabbitMQ and loads nothing else;</li>
 *   <li>{@link #MIGRATE}: the Helm hook Job: Flyway runs at init ({@code QUARKUS_INIT_AND_EXIT}) and the JVM exits.</li>
 * </ul>
 */
public enum Role {
    ALL, GATEWAY, WORKER, MIGRATE;

    /** Parses a configured role; unknown values are refused with the accepted list. */
    public static Role parse(String value) {
        String v = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
        for (Role r : values()) {
            if (r.name().equals(v)) {
                return r;
            }
        }
        throw new IllegalArgumentException("sirocco.role must be one of all, gateway, worker, migrate (was '" + value + "')");
    }
}
