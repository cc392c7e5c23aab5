package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** The real engine with room for 16 streams at once, a small per-stream buffer and a short stall timeout. */
public class SlowReaderProfile implements QuarkusTestProfile {
    static final int BUFFER_TOKENS = 16;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "sirocco.models.queue-capacity", "256",
                "sirocco.models.mistral-tiny.max-sequences", "16",
                "sirocco.gateway.stream.buffer-tokens", Integer.toString(BUFFER_TOKENS),
                "sirocco.gateway.stream.stall-timeout", "5s");
    }
}
