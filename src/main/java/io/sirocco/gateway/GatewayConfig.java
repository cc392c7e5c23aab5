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

    /**
     * Each HTTP connection's kernel send buffer. Left to the kernel it grows to megabytes on a fast link, and a
     * client that stops reading is then noticed only after that much was written; bounded, a stalled stream shows
     * at once as a full write queue. 0 leaves it to the kernel.
     */
    @WithDefault("65536")
    int sendBufferBytes();

    QueueSettings queue();

    StreamSettings stream();

    interface QueueSettings {
        /**
         * The longest a request waits for an engine: in the tier's queue, then (scaled out) for a worker to take it.
         * Spent once across both.
         */
        @WithDefault("30s")
        Duration timeout();
    }

    interface StreamSettings {
        /** Tokens a stream holds for a client that reads slowly; a full buffer pauses its sequence. */
        @WithDefault("64")
        int bufferTokens();

        /** A streaming client that reads nothing this long has its sequence cancelled and pays what it was sent. */
        @WithDefault("30s")
        Duration stallTimeout();
    }
}
