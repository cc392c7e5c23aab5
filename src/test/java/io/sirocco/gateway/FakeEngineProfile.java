package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;
import java.util.Set;

/** Runs the gateway on {@link FakeEngine}s with a small queue, for deterministic queueing and cancellation. */
public class FakeEngineProfile implements QuarkusTestProfile {
    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(FakeEngineFactory.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "sirocco.models.max-sequences", "2",
                "sirocco.models.queue-capacity", "2",
                "sirocco.gateway.queue.timeout", "2s",
                "sirocco.test.hold-model-loading", "true",
                // mistral-small: one at a time with room to queue, for the fairness test
                "sirocco.models.mistral-small.max-sequences", "1",
                "sirocco.models.mistral-small.queue-capacity", "10");
    }
}
