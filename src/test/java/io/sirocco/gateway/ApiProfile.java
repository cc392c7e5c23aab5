package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;
import java.util.Set;

/**
 * The profile of the API tests. They run the real engine on the demo models whenever this build has them
 * (the engine branch); without them they fall back to {@link FakeEngine} so the API can still be tested.
 */
public class ApiProfile implements QuarkusTestProfile {
    static boolean realEngine() {
        try {
            Class.forName(EngineFactory.DEMO_MODELS);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return realEngine() ? Set.of() : Set.of(FakeEngineFactory.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("sirocco.models.queue-capacity", "256",
                "sirocco.data-dir", "target/gateway-test-data");
    }
}
