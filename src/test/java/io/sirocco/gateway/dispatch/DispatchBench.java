package io.sirocco.gateway.dispatch;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.sirocco.engine.GenerationParams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Requests per second through one gateway's {@link Dispatcher} to one {@link InferenceConsumer} whose engine answers at once
 * (one token, no delay): the cost of dispatch itself. Not a test; run it by hand (docs/benchmarks.md), against the
 * RabbitMQ of {@link DispatchTest#RABBIT}. Arguments: seconds per measurement (default 10), then the client
 * concurrencies to measure (default 1 16 64).
 */
public final class DispatchBench {
    private DispatchBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        List<Integer> concurrencies = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            concurrencies.add(Integer.parseInt(args[i]));
        }
        if (concurrencies.isEmpty()) {
            concurrencies = List.of(1, 16, 64);
        }
        String model = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        int slots = 64;
        ScriptedEngine engine = new ScriptedEngine(0, 0);
        try (Dispatcher gateway = new Dispatcher(DispatchTest.RABBIT.connect("bench-gateway", false), "bench-" + model,
                Duration.ofSeconds(10));
             InferenceConsumer worker = new InferenceConsumer(DispatchTest.RABBIT.connect("bench-worker", false), DispatchTest.source(engine, slots),
                     List.of(model), Duration.ofSeconds(1), Duration.ofMillis(20))) {
            gateway.start();
            worker.start();
            run(gateway, model, 4, 2); // warm-up
            for (int c : concurrencies) {
                double rps = run(gateway, model, c, seconds);
                System.out.printf("concurrency %3d: %8.0f requests/s%n", c, rps);
            }
        } finally {
            engine.close();
            try (Connection c = DispatchTest.RABBIT.connect("bench-cleanup", false); Channel ch = c.createChannel()) {
                ch.queueDelete(Topology.queueOf(model));
            }
        }
    }

    /** {@code clients} virtual threads each send one request after the other for {@code seconds}; returns requests/s. */
    private static double run(Dispatcher gateway, String model, int clients, int seconds) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong done = new AtomicLong();
        AtomicLong ids = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < clients; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    String id = model + "-" + ids.incrementAndGet();
                    try {
                        RemoteCall call = gateway.submit(Wire.Request.generate(id, model, new int[]{1, 2, 3},
                                GenerationParams.greedy(1)), 0, Duration.ofSeconds(30), (tok, text) -> { });
                        RemoteResult r = call.result().get(30, TimeUnit.SECONDS);
                        if (r.outcome() != RemoteResult.Outcome.COMPLETED) {
                            throw new IllegalStateException(id + ": " + r);
                        }
                        done.incrementAndGet();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }));
        }
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        return done.get() / ((System.nanoTime() - t0) / 1e9);
    }
}
