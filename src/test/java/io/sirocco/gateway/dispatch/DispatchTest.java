package io.sirocco.gateway.dispatch;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineOptions;
import io.sirocco.engine.FinishReason;
import io.sirocco.engine.GenerationParams;
import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.golden.GoldenPack;
import io.sirocco.engine.grammar.Grammar;
import io.sirocco.engine.runtime.LocalEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gateway → worker dispatch over a real RabbitMQ (the run's vhost, {@code SIROCCO_RABBITMQ_VHOST}), with a scripted
 * engine behind the worker. Killing a worker is an abrupt connection abort: to the broker it is what a
 * {@code kill -9} of the process is.
 */
class DispatchTest {
    static final RabbitSettings RABBIT = new RabbitSettings(
            env("SIROCCO_RABBITMQ_HOST", "127.0.0.1"), Integer.parseInt(env("SIROCCO_RABBITMQ_PORT", "5672")),
            env("SIROCCO_RABBITMQ_USER", "guest"), env("SIROCCO_RABBITMQ_PASSWORD", "guest"),
            env("SIROCCO_RABBITMQ_VHOST", "/"));
    static final Duration HEARTBEAT = Duration.ofMillis(200);
    static final Duration STALL = Duration.ofMillis(1500);
    static final Duration POLL = Duration.ofMillis(10);
    static final int[] PROMPT = {1, 15, 27, 9, 44};

    private final List<AutoCloseable> open = new ArrayList<>();
    private String model;
    private Dispatcher gateway;

    @BeforeEach
    void setUp() throws Exception {
        model = "test-" + UUID.randomUUID().toString().substring(0, 8);
        gateway = gateway("g1");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        try (Connection c = RABBIT.connect("cleanup", false); Channel ch = c.createChannel()) {
            ch.queueDelete(Topology.queueOf(model));
            ch.queueDelete(Topology.batchQueueOf(model));
        }
    }

    @Test
    void streamsTokensInOrderToTheGatewayThatAsked() throws Exception {
        worker(new ScriptedEngine(0, 5), 4);
        List<String> text = new CopyOnWriteArrayList<>();
        RemoteCall call = gateway.submit(chat("r1", "hello there world", 5), 0, Duration.ofSeconds(10),
                (id, delta) -> text.add(delta));
        assertEquals(4, call.started().get(10, TimeUnit.SECONDS), "BOS + three words");
        RemoteResult r = call.result().get(10, TimeUnit.SECONDS);
        assertEquals(RemoteResult.Outcome.COMPLETED, r.outcome());
        assertEquals(FinishReason.LENGTH, r.finishReason());
        assertEquals(4, r.promptTokens());
        assertEquals(5, r.completionTokens());
        assertEquals(List.of("t1 ", "t2 ", "t3 ", "t4 ", "t5 "), text);
        assertEquals(0, gateway.inFlight());
    }

    @Test
    void aWorkerHoldsNoMoreRequestsThanItHasFreeSlots() throws Exception {
        ScriptedEngine engine = new ScriptedEngine(0, 100);
        worker(engine, 2);
        List<RemoteCall> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(gateway.submit(chat("slots-" + i, "hi", 6), 0, Duration.ofSeconds(30), (id, d) -> { }));
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> engine.running.get() == 2);
        // The other three wait in the queue, where another worker could take them.
        await().atMost(5, TimeUnit.SECONDS).until(() -> readyInQueue() == 3);
        await().atMost(5, TimeUnit.SECONDS).until(() -> java.util.Arrays.equals(gateway.load(model), new int[]{3, 2}));
        for (RemoteCall c : calls) {
            assertEquals(RemoteResult.Outcome.COMPLETED, c.result().get(20, TimeUnit.SECONDS).outcome());
        }
        assertEquals(2, engine.maxRunning.get());
    }

    @Test
    void higherPriorityIsTakenFirst() throws Exception {
        ScriptedEngine engine = new ScriptedEngine(0, 50);
        // Queue three requests before any worker exists, lowest priority first.
        List<RemoteCall> calls = new ArrayList<>();
        calls.add(gateway.submit(tokens("p-low", 10, 2), 0, Duration.ofSeconds(30), (i, d) -> { }));
        calls.add(gateway.submit(tokens("p-mid", 20, 2), 4, Duration.ofSeconds(30), (i, d) -> { }));
        calls.add(gateway.submit(tokens("p-high", 30, 2), 9, Duration.ofSeconds(30), (i, d) -> { }));
        worker(engine, 1);
        for (RemoteCall c : calls) {
            c.result().get(20, TimeUnit.SECONDS);
        }
        assertEquals(List.of(30, 20, 10), List.copyOf(engine.started));
    }

    @Test
    void aRequestNoWorkerTakesInTimeExpiresFromTheQueue() throws Exception {
        RemoteCall call = gateway.submit(chat("late", "anyone?", 3), 0, Duration.ofMillis(600), (i, d) -> { });
        RemoteResult r = call.result().get(5, TimeUnit.SECONDS);
        assertEquals(RemoteResult.Outcome.QUEUE_TIMEOUT, r.outcome());
        assertEquals(0, r.completionTokens());
        await().atMost(5, TimeUnit.SECONDS).until(() -> readyInQueue() == 0); // the TTL dropped it
        ScriptedEngine engine = new ScriptedEngine(0, 5);
        worker(engine, 2);
        Thread.sleep(300);
        assertTrue(engine.started.isEmpty(), "an expired request is never started");
    }

    @Test
    void cancelReachesTheWorkerAndFreesTheSlot() throws Exception {
        ScriptedEngine engine = new ScriptedEngine(0, 100);
        InferenceConsumer w = worker(engine, 1);
        List<String> text = new CopyOnWriteArrayList<>();
        RemoteCall call = gateway.submit(chat("bye", "long story", 1000), 0, Duration.ofSeconds(10), (i, d) -> text.add(d));
        await().atMost(5, TimeUnit.SECONDS).until(() -> text.size() >= 2);
        call.cancel();
        RemoteResult r = call.result().get(1, TimeUnit.SECONDS);
        assertEquals(RemoteResult.Outcome.CANCELLED, r.outcome());
        await().atMost(2, TimeUnit.SECONDS).until(() -> engine.cancelled.get() == 1 && w.running() == 0);
        // The freed slot serves the next request.
        RemoteCall next = gateway.submit(chat("next", "again", 2), 0, Duration.ofSeconds(10), (i, d) -> { });
        assertEquals(RemoteResult.Outcome.COMPLETED, next.result().get(5, TimeUnit.SECONDS).outcome());
    }

    @Test
    void aWorkerKilledBeforeStreamingLeavesTheRequestToAnother() throws Exception {
        ScriptedEngine stuck = new ScriptedEngine(-1, 0); // takes the request, never produces a token
        Connection doomed = RABBIT.connect("doomed-worker", false);
        InferenceConsumer first = new InferenceConsumer(doomed, source(stuck, 1), List.of(model), HEARTBEAT, POLL);
        first.start();
        List<String> text = new CopyOnWriteArrayList<>();
        RemoteCall call = gateway.submit(chat("redeliver", "hello", 3), 0, Duration.ofSeconds(20), (i, d) -> text.add(d));
        await().atMost(5, TimeUnit.SECONDS).until(() -> first.running() == 1);
        doomed.abort(); // kill -9: no ack ever comes
        ScriptedEngine healthy = new ScriptedEngine(0, 5);
        worker(healthy, 1);
        RemoteResult r = call.result().get(10, TimeUnit.SECONDS);
        assertEquals(RemoteResult.Outcome.COMPLETED, r.outcome());
        assertEquals(List.of("t1 ", "t2 ", "t3 "), text, "the client sees one clean stream");
        assertEquals(1, healthy.started.size());
        first.close();
    }

    @Test
    void aWorkerKilledMidStreamEndsTheStreamWithAnErrorAndIsNotReplayed() throws Exception {
        ScriptedEngine slow = new ScriptedEngine(0, 150);
        Connection doomed = RABBIT.connect("doomed-worker", false);
        InferenceConsumer first = new InferenceConsumer(doomed, source(slow, 1), List.of(model), HEARTBEAT, POLL);
        first.start();
        List<String> text = new CopyOnWriteArrayList<>();
        RemoteCall call = gateway.submit(chat("midstream", "tell me", 100), 0, Duration.ofSeconds(20), (i, d) -> text.add(d));
        await().atMost(5, TimeUnit.SECONDS).until(() -> text.size() >= 3);
        doomed.abort();
        slow.close(); // the process is gone: its engine stops too
        ScriptedEngine other = new ScriptedEngine(0, 5);
        worker(other, 1);
        RemoteResult r = call.result().get(STALL.toMillis() + 3000, TimeUnit.MILLISECONDS);
        assertEquals(RemoteResult.Outcome.WORKER_LOST, r.outcome());
        assertEquals(FinishReason.ERROR, r.finishReason());
        assertEquals(text.size(), r.completionTokens(), "billed for exactly what was streamed");
        Thread.sleep(500);
        assertTrue(other.started.isEmpty(), "a started stream is never replayed on another worker");
        first.close();
    }

    @Test
    void aGatewayThatDiesHasItsGenerationsCancelled() throws Exception {
        ScriptedEngine engine = new ScriptedEngine(0, 100);
        InferenceConsumer w = worker(engine, 1);
        Connection doomed = RABBIT.connect("doomed-gateway", false);
        Dispatcher g2 = new Dispatcher(doomed, "g2-" + model, STALL);
        g2.start();
        List<String> text = new CopyOnWriteArrayList<>();
        g2.submit(chat("orphan", "hello", 1000), 0, Duration.ofSeconds(10), (i, d) -> text.add(d));
        await().atMost(5, TimeUnit.SECONDS).until(() -> text.size() >= 2);
        doomed.abort();
        await().atMost(5, TimeUnit.SECONDS).until(() -> engine.cancelled.get() == 1 && w.running() == 0);
        g2.close();
    }

    @Test
    void aPromptTheModelRefusesIsRejectedWithoutGenerating() throws Exception {
        ScriptedEngine engine = new ScriptedEngine(0, 5);
        worker(engine, 1);
        Wire.Request bad = new Wire.Request("bad-" + model, model, new int[]{1, 2, 3}, new Wire.Params(0f, 1f, 3,
                List.of(), null, 0f, 0f, 0, new Grammar.Spec(null, null, null), null), null);
        RemoteResult r = gateway.submit(bad, 0, Duration.ofSeconds(10), (i, d) -> { }).result().get(5, TimeUnit.SECONDS);
        assertEquals(RemoteResult.Outcome.REJECTED, r.outcome());
        assertTrue(r.error().contains("needs a kind"), r.error());
        assertTrue(engine.started.isEmpty());
    }

    @Test
    void drainFinishesRunningWorkAndLeavesQueuedWorkForOthers() throws Exception {
        ScriptedEngine engine = new ScriptedEngine(0, 100);
        InferenceConsumer w = worker(engine, 1);
        RemoteCall running = gateway.submit(chat("d1", "one", 5), 0, Duration.ofSeconds(30), (i, d) -> { });
        await().atMost(5, TimeUnit.SECONDS).until(() -> engine.running.get() == 1);
        RemoteCall queued = gateway.submit(chat("d2", "two", 2), 0, Duration.ofSeconds(30), (i, d) -> { });
        assertTrue(w.drain(Duration.ofSeconds(10)), "drained within the grace period");
        assertEquals(RemoteResult.Outcome.COMPLETED, running.result().get(1, TimeUnit.SECONDS).outcome());
        assertEquals(1, readyInQueue(), "the queued request stays for another worker");
        worker(new ScriptedEngine(0, 5), 1);
        assertEquals(RemoteResult.Outcome.COMPLETED, queued.result().get(10, TimeUnit.SECONDS).outcome());
    }

    @Test
    void embeddingsRunOnAWorkerAndComeBackWhole() throws Exception {
        worker(new ScriptedEngine(0, 5), 2);
        RemoteCall call = gateway.submit(Wire.Request.embed("emb-" + model, model, List.of(new int[]{1, 2, 3}, new int[]{7})),
                0, Duration.ofSeconds(10), (i, d) -> { });
        RemoteResult r = call.result().get(10, TimeUnit.SECONDS);
        assertEquals(RemoteResult.Outcome.COMPLETED, r.outcome());
        assertEquals(4, r.promptTokens());
        assertEquals(2, r.vectors().length);
        assertEquals(3f, r.vectors()[0][0]); // the scripted engine's vector: [length, first id]
        assertEquals(7f, r.vectors()[1][1]);
    }

    /**
     * A worker whose engine (two sequences at a time) is full of batch work still starts a live request at once: the
     * engine preempts a batch generation, which starts over and ends once, with exactly the tokens it would have made.
     */
    @Test
    void aLiveRequestDoesNotWaitForBatchWorkThatFillsTheWorker() throws Exception {
        Engine engine = LocalEngine.open(GoldenPack.model("dense-a", GgmlType.Q8_0),
                new EngineOptions(1, 2, 4096, 4096, true));
        worker(engine, 2);
        int length = 600; // min_tokens = max_tokens: no early end
        GenerationParams longRun = new GenerationParams(0f, 1f, length, List.of(), 0L, 0f, 0f, length, null);
        List<RemoteCall> batch = new ArrayList<>();
        List<List<Integer>> batchTokens = new ArrayList<>();
        for (int i = 0; i < 3; i++) { // two fill the engine, the third waits in the batch queue
            List<Integer> ids = new CopyOnWriteArrayList<>();
            batchTokens.add(ids);
            batch.add(gateway.submit(Wire.Request.generate("batch-" + i + "-" + model, model, PROMPT, longRun)
                    .asBackground(), 0, Duration.ofSeconds(60), (id, d) -> ids.add(id)));
        }
        await().atMost(30, TimeUnit.SECONDS).until(() -> engine.stats().runningSequences() == 2);
        assertEquals(1, readyIn(Topology.batchQueueOf(model)), "the worker takes no more batch work than its slots");

        CompletableFuture<Boolean> batchDoneAtFirstToken = new CompletableFuture<>();
        RemoteCall live = gateway.submit(Wire.Request.generate("live-" + model, model, PROMPT,
                        GenerationParams.greedy(4)), 4, Duration.ofSeconds(30),
                (id, d) -> batchDoneAtFirstToken.complete(batch.stream().anyMatch(b -> b.result().isDone())));
        assertFalse(batchDoneAtFirstToken.get(30, TimeUnit.SECONDS),
                "the live request streamed while every batch generation was still running");
        assertEquals(RemoteResult.Outcome.COMPLETED, live.result().get(30, TimeUnit.SECONDS).outcome());

        for (int i = 0; i < batch.size(); i++) {
            RemoteResult r = batch.get(i).result().get(180, TimeUnit.SECONDS);
            assertEquals(RemoteResult.Outcome.COMPLETED, r.outcome());
            assertEquals(length, r.completionTokens());
            assertEquals(length, batchTokens.get(i).size(), "the gateway saw each batch token once");
            assertEquals(batchTokens.getFirst(), batchTokens.get(i), "greedy: every line makes the same tokens");
        }
        assertEquals(0, gateway.inFlight());
    }

    // --- helpers ------------------------------------------------------------------------------------------

    @Test
    void aPausedRequestHoldsStillOnItsWorkerUntilResumed() throws Exception {
        worker(new ScriptedEngine(0, 20), 2);
        List<String> text = new CopyOnWriteArrayList<>();
        RemoteCall call = gateway.submit(chat("pause-1", "hi", 40), 0, Duration.ofSeconds(10), (id, d) -> text.add(d));
        await().atMost(10, TimeUnit.SECONDS).until(() -> text.size() >= 3);
        call.pause();
        Thread.sleep(300); // the pause reaches the worker
        int held = text.size();
        Thread.sleep(400);
        assertEquals(held, text.size(), "no tokens while paused");
        call.resume();
        RemoteResult r = call.result().get(10, TimeUnit.SECONDS);
        assertEquals(40, r.completionTokens());
        assertEquals(40, text.size());
    }

    @Test
    void workersAnnounceTheirModelsFactsAndLoad() throws Exception {
        worker(new ScriptedEngine(0, 5), 2);
        await().atMost(10, TimeUnit.SECONDS).until(() -> gateway.announced(model).isPresent());
        Dispatcher.Announced a = gateway.announced(model).orElseThrow();
        assertEquals("scripted", a.info().name());
        assertEquals(4096, a.info().contextLength());
    }

    private Dispatcher gateway(String id) throws Exception {
        Dispatcher d = new Dispatcher(RABBIT.connect("test-gateway", false), id + "-" + model, STALL);
        d.start();
        open.add(d);
        return d;
    }

    private InferenceConsumer worker(Engine engine, int slots) throws Exception {
        InferenceConsumer w = new InferenceConsumer(RABBIT.connect("test-worker", false), source(engine, slots), List.of(model), HEARTBEAT, POLL);
        w.start();
        open.add(engine);
        open.add(w);
        return w;
    }

    static EngineSource source(Engine engine, int slots) {
        return new EngineSource() {
            @Override
            public Engine engine(String m) {
                return engine;
            }

            @Override
            public int slots(String m) {
                return slots;
            }
        };
    }

    /** A chat as the gateway sends it: tokenized on the gateway side (here by the scripted engine: one per word). */
    private Wire.Request chat(String id, String text, int maxTokens) {
        return Wire.Request.generate(id + "-" + model, model,
                ScriptedEngine.encode(text),
                GenerationParams.greedy(maxTokens));
    }

    private Wire.Request tokens(String id, int marker, int maxTokens) {
        return Wire.Request.generate(id + "-" + model, model, new int[]{marker, 2, 3}, GenerationParams.greedy(maxTokens));
    }

    private long readyInQueue() throws Exception {
        return readyIn(Topology.queueOf(model));
    }

    private long readyIn(String queue) throws Exception {
        try (Connection c = RABBIT.connect("probe", false); Channel ch = c.createChannel()) {
            return ch.queueDeclarePassive(queue).getMessageCount();
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
