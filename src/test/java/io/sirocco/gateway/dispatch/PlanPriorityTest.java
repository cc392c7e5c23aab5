package io.sirocco.gateway.dispatch;

import io.quarkus.test.junit.QuarkusTest;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.demo.DemoModels;
import io.sirocco.engine.runtime.TextModel;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Scaled out, a request is published with its organization's plan's queue priority. */
@QuarkusTest
class PlanPriorityTest {
    @Inject
    GatewayDispatch dispatch;

    @TempDir
    Path models;

    @Test
    void eachPlanGetsItsConfiguredPriority() {
        DemoModels.writeIfMissing(models);
        RemoteEngine remote = new RemoteEngine("mistral-tiny", TextModel.readHeader(DemoModels.file(models,
                "mistral-tiny"), EngineOptions.defaults(), null), Optional::empty, Duration.ofSeconds(1), 4);

        assertEquals(7, priorityFor(remote, "scale"));
        assertEquals(2, priorityFor(remote, "trial"));
        assertEquals(4, priorityFor(remote, "default"));
        assertEquals(4, priorityFor(remote, "a-plan-with-no-priority-set"));
        assertEquals(remote.info(), remote.queuedAs(7, Duration.ofSeconds(1)).info());
    }

    private int priorityFor(RemoteEngine remote, String plan) {
        return ((RemoteEngine) remote.queuedAs(dispatch.priorityOf(plan), Duration.ofSeconds(1))).priority();
    }
}
