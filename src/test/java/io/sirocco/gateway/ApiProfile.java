package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** The API tests: the real engine on the demo models (written once under target/test-data), with a roomy queue. */
public class ApiProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("sirocco.models.queue-capacity", "256");
    }
}
