package io.sirocco.gateway;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The API's settings, {@code sirocco.gateway.*} (documented in docs/operations.md). */
@ConfigMapping(prefix = "sirocco.gateway")
public interface GatewayConfig {

    /** A larger request body is answered 413. */
    @WithDefault("1048576")
    long maxBodyBytes();

    QueueSettings queue();

    interface QueueSettings {
        /**
         * The longest a request waits for an engine: in the tier's queue, then (scaled out) for a worker to take it.
         * Spent once across both.
         */
        @WithDefault("30s")
        Duration timeout();
    }
}
