package io.sirocco.gateway;

import io.micrometer.core.instrument.Counter;
import io.sirocco.engine.Engine;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prometheus metrics named like vLLM's, tagged by model: {@code sirocco:num_requests_waiting},
 * {@code sirocco:num_requests_running}, {@code sirocco:time_to_first_token_seconds},
 * {@code sirocco:prompt_tokens_total}, {@code sirocco:generation_tokens_total},
 * {@code sirocco:request_queue_time_seconds}; and the delivery stage's {@code sirocco:stream_buffered_tokens} (tokens
 * generated but not yet written to their clients) and {@code sirocco:streams_stalled_total}.
 */
@ApplicationScoped
public class GatewayMetrics {

    @Inject
    MeterRegistry registry;
    /** Tokens waiting in the streams' delivery buffers, all streams together. */
    private final AtomicLong bufferedTokens = new AtomicLong();

    @PostConstruct
    void init() {
        Gauge.builder("sirocco:stream_buffered_tokens", bufferedTokens, AtomicLong::get)
                .description("Tokens generated but not yet written to their streaming clients").register(registry);
    }

    /** The count every {@link TokenStream} adds its buffered tokens to. */
    AtomicLong bufferedTokens() {
        return bufferedTokens;
    }

    /** A streaming client read nothing for the stall timeout and its reply was cancelled. */
    void streamStalled(String model) {
        Counter.builder("sirocco:streams_stalled").description("Streams cancelled because their client stopped reading")
                .tag("model", model).register(registry).increment();
    }

    /** Waiting: in the tier queue or admitted but not yet scheduled by the engine; running: in the batch. */
    void registerQueue(String model, TierQueue queue, Engine engine) {
        Gauge.builder("sirocco:num_requests_waiting", () -> queue.waiting() + engine.stats().waitingSequences())
                .description("Requests waiting for the engine").tag("model", model).register(registry);
        Gauge.builder("sirocco:num_requests_running", () -> engine.stats().runningSequences())
                .description("Requests in the engine's batch").tag("model", model).register(registry);
    }

    void queueTime(String model, double seconds) {
        timer("sirocco:request_queue_time", "Time spent waiting in the tier queue", model)
                .record(Duration.ofNanos((long) (seconds * 1e9)));
    }

    void timeToFirstToken(String model, long nanos) {
        timer("sirocco:time_to_first_token", "Time from request to the first generated token", model)
                .record(Duration.ofNanos(nanos));
    }

    void tokens(String model, int prompt, int generated) {
        Counter.builder("sirocco:prompt_tokens").description("Prompt tokens processed").tag("model", model)
                .register(registry).increment(prompt);
        Counter.builder("sirocco:generation_tokens").description("Tokens generated").tag("model", model)
                .register(registry).increment(generated);
    }

    private Timer timer(String name, String description, String model) {
        return Timer.builder(name).description(description).tag("model", model)
                .publishPercentileHistogram().register(registry);
    }
}
