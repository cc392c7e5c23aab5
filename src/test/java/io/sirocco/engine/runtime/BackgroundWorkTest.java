package io.sirocco.engine.runtime;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.FinishReason;
import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.golden.GoldenPack;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Background (batch) work: live sequences preempt it; a preempted generation starts over, unseen by its listener. */
class BackgroundWorkTest {
    static final int[] P1 = LocalEngineTest.P1;

    @Test
    void aLiveSequencePreemptsBackgroundWorkThatThenStartsOverExactly() throws Exception {
        // one sequence at a time: without preemption the live request would wait for the whole background one
        try (Engine one = LocalEngine.open(GoldenPack.model("dense-a", GgmlType.Q8_0),
                new EngineOptions(1, 1, 4096, 4096, true))) {
            // min_tokens = max_tokens: no early end, so the background generation is surely still running below
            GenerationParams longRun = new GenerationParams(0f, 1f, 1500, List.of(), 0L, 0f, 0f, 1500, null);
            GenerationResult reference = one.generate(P1, longRun, null).result().get(120, TimeUnit.SECONDS);

            List<String> deltas = new CopyOnWriteArrayList<>();
            Generation background = one.background().generate(P1, longRun,
                    (id, delta) -> deltas.add(delta));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            // submitted into the queue at once; admitted (running) once no sequence waits any more
            while (one.stats().waitingSequences() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            Thread.sleep(50); // a few decode steps
            assertEquals(1, one.stats().runningSequences(), "the background generation runs on an idle engine");
            assertTrue(deltas.isEmpty(), "a background generation's tokens are handed over only when it ends");

            GenerationResult live = one.generate(P1, GenerationParams.greedy(4), null).result()
                    .get(60, TimeUnit.SECONDS);
            assertEquals(FinishReason.LENGTH, live.finishReason());
            assertFalse(background.result().isDone(), "the live request did not wait for the background one");

            GenerationResult r = background.result().get(120, TimeUnit.SECONDS);
            assertEquals(reference.text(), r.text(), "started over, it generates exactly what it would have");
            assertEquals(reference.completionTokens(), r.completionTokens());
            assertEquals(r.text(), String.join("", deltas), "the listener saw the finished attempt's tokens once");
            assertTrue(((BackgroundGeneration) background).preemptions() >= 1);
        }
    }

    @Test
    void backgroundWorkNeverOvertakesWaitingLiveWork() throws Exception {
        try (Engine one = LocalEngine.open(GoldenPack.model("dense-a", GgmlType.Q8_0),
                new EngineOptions(1, 1, 4096, 4096, true))) {
            List<String> finished = new CopyOnWriteArrayList<>();
            Generation liveA = one.generate(P1, GenerationParams.greedy(20), null);
            liveA.result().thenRun(() -> finished.add("liveA"));
            Generation background = one.background().generate(P1, GenerationParams.greedy(2), null);
            background.result().thenRun(() -> finished.add("background"));
            Generation liveB = one.generate(P1, GenerationParams.greedy(20), null);
            liveB.result().thenRun(() -> finished.add("liveB"));
            assertEquals(FinishReason.LENGTH, background.result().get(60, TimeUnit.SECONDS).finishReason());
            liveB.result().get(60, TimeUnit.SECONDS);
            assertEquals(List.of("liveA", "liveB", "background"), finished);
        }
    }

    /**
     * The per-step cap, counted in steps rather than time: a live generation of 200 tokens runs 200 steps. Four
     * background generations of 60 tokens need 4 × 61 background turns; capped to one per step while the live one
     * runs, they cannot all finish before it. Uncapped, each joins every step and they all finish 140 steps early.
     */
    @Test
    void aStepWithLiveWorkTakesAtMostTheCapOfBackgroundSequences() throws Exception {
        assertTrue(liveFinishesBeforeSomeBackground(1), "capped: background sequences take turns, one per step");
        assertFalse(liveFinishesBeforeSomeBackground(0), "uncapped: every background sequence joins every step");
    }

    private static boolean liveFinishesBeforeSomeBackground(int backgroundPerStep) throws Exception {
        try (Engine engine = LocalEngine.open(GoldenPack.model("dense-a", GgmlType.Q8_0),
                new EngineOptions(1, 5, 4096, 4096, true, 0, backgroundPerStep))) {
            GenerationParams live = new GenerationParams(0f, 1f, 200, List.of(), 0L, 0f, 0f, 200, null);
            GenerationParams batch = new GenerationParams(0f, 1f, 60, List.of(), 0L, 0f, 0f, 60, null);
            List<String> finished = new CopyOnWriteArrayList<>();
            Generation l = engine.generate(P1, live, null);
            l.result().thenRun(() -> finished.add("live"));
            List<Generation> background = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Generation b = engine.background().generate(P1, batch, null);
                b.result().thenRun(() -> finished.add("background"));
                background.add(b);
            }
            assertEquals(FinishReason.LENGTH, l.result().get(120, TimeUnit.SECONDS).finishReason());
            for (Generation b : background) {
                GenerationResult r = b.result().get(120, TimeUnit.SECONDS);
                assertEquals(60, r.completionTokens(), "every background generation finishes in full");
                assertEquals(0, ((BackgroundGeneration) b).preemptions(), "five slots: nothing is preempted");
            }
            return finished.indexOf("live") < finished.lastIndexOf("background");
        }
    }
}
