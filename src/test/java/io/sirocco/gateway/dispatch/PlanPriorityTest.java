package io.sirocco.gateway.dispatch;

import io.quarkus.test.junit.QuarkusTest;
import io.sirocco.accounts.KeyPrincipal;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.demo.DemoModels;
import io.sirocco.gateway.EngineFactory;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Scaled out, a request is published with its organization's plan's queue priority. */
@QuarkusTest
class PlanPriorityTest {
    @Inject
    EngineFactory engines;

    @TempDir
    Path models;

    @Test
    void eachPlanGetsItsConfiguredPriority() {
        DemoModels.writeIfMissing(models);
        RemoteEngine remote = RemoteEngine.open("mistral-tiny", DemoModels.file(models, "mistral-tiny"),
                EngineOptions.defaults(), Optional::empty, Duration.ofSeconds(1), 4, null);

        assertEquals(7, priorityFor(remote, "scale"));
        assertEquals(2, priorityFor(remote, "trial"));
        assertEquals(4, priorityFor(remote, "default"));
        assertEquals(4, priorityFor(remote, "a-plan-with-no-priority-set"));
        assertSame(remote, engines.forCaller(remote, caller("default")), "same priority: no new view");
        assertEquals(remote.info(), ((RemoteEngine) engines.forCaller(remote, caller("scale"))).info());
    }

    private int priorityFor(RemoteEngine remote, String plan) {
        return ((RemoteEngine) engines.forCaller(remote, caller(plan))).priority();
    }

    private static KeyPrincipal caller(String plan) {
        return new KeyPrincipal(UUID.randomUUID(), UUID.randomUUID(), "test", Set.of(), 60, 10_000, plan);
    }
}
