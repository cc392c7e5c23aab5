package io.sirocco.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sirocco.gateway.BatchLines;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs batch jobs' lines, from PostgreSQL, so a node that restarts picks up where it stopped. Each tick it takes
 * (by lease) up to {@code concurrency-per-model} unanswered lines per model and runs each through the request
 * pipeline in this process as a batch line ({@link BatchLines}): the lowest priority, the engine's background queue
 * (continuous batching with everything else, preempted by live work), batch prices, and the line's own request id,
 * so a line that runs again after a crash is billed once. An answer is stored once; a 402 pauses the job with its
 * reason until the retry interval; 429/503 put the line back for a later tick. A cancelled job's running lines run to
 * their end, so every ledger row of a job is a line with its answer. A node that stops cancels its running lines,
 * as a live client's disconnect would; their leases lapse and they run again (billed once: the first row stays). A
 * job whose lines are all answered (or that was cancelled or timed out, once its running lines are done) gets its
 * output and error files.
 */
@ApplicationScoped
public class BatchRunner {
    private static final Logger LOG = Logger.getLogger(BatchRunner.class);
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    /** A node holds a line this long, renewed every tick while it runs; a crashed node's lines return after it. */
    static final Duration LEASE = Duration.ofSeconds(30);

    @Inject
    BatchJobs jobs;
    @Inject
    Files files;
    @Inject
    BatchLines batchLines;
    @Inject
    BatchConfig config;

    private final ExecutorService lines = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("sirocco-batch-line-", 0).factory());
    /** Lines running on this node, per job (by line number) and per model (counts). */
    private final Map<String, Map<Integer, BatchLines.Run>> running = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> perModel = new ConcurrentHashMap<>();
    private volatile boolean stopped;
    private Thread loop;

    void start(@Observes StartupEvent e) {
        if (config.runner()) {
            loop = Thread.ofVirtual().name("sirocco-batch-runner").start(this::loop);
        }
    }

    void stop(@Observes ShutdownEvent e) {
        stopped = true;
        if (loop != null) {
            loop.interrupt();
        }
        running.values().forEach(job -> job.values().forEach(BatchLines.Run::cancel)); // their leases lapse
        lines.shutdownNow();
    }

    private void loop() {
        while (!stopped) {
            try {
                tick();
            } catch (RuntimeException e) {
                if (!stopped) {
                    LOG.warnf("batch runner: %s", e.toString());
                }
            }
            try {
                Thread.sleep(config.poll());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One pass over the open jobs (package-visible for tests). */
    void tick() {
        renewLeases();
        boolean paused = jobs.globallyPaused();
        for (BatchJob job : jobs.open()) {
            if (stopped) {
                return;
            }
            boolean expired = Instant.now().isAfter(job.expiresAt());
            if (job.state().equals(BatchJobs.CANCELLING) || expired) {
                if (runningHere(job.id()) == 0 && jobs.running(job.id()) == 0) {
                    complete(job, expired && !job.state().equals(BatchJobs.CANCELLING) ? BatchJobs.TIMEOUT
                            : BatchJobs.CANCELLED);
                }
                continue;
            }
            if (jobs.unanswered(job.id()) == 0) {
                complete(job, BatchJobs.SUCCEEDED);
                continue;
            }
            if (paused || job.pauseReason() != null) {
                continue;
            }
            dispatch(job);
        }
    }

    private void dispatch(BatchJob job) {
        String model = job.model() == null ? "(" + job.endpoint() + ")" : job.model();
        AtomicInteger inFlight = perModel.computeIfAbsent(model, m -> new AtomicInteger());
        int free = config.concurrencyPerModel() - inFlight.get();
        if (free <= 0) {
            return;
        }
        List<BatchJobs.Line> taken = jobs.claim(job, free, LEASE);
        if (taken.isEmpty()) {
            return;
        }
        jobs.markRunning(job.id());
        Map<Integer, BatchLines.Run> mine = running.computeIfAbsent(job.id(), j -> new ConcurrentHashMap<>());
        for (BatchJobs.Line line : taken) {
            BatchLines.Run run = batchLines.start(job.endpoint(), job.keyId(), line.requestId(),
                    line.body().getBytes(StandardCharsets.UTF_8));
            inFlight.incrementAndGet();
            mine.put(line.lineNo(), run);
            lines.execute(() -> {
                try {
                    run(job, line, run);
                } finally {
                    mine.remove(line.lineNo());
                    inFlight.decrementAndGet();
                }
            });
        }
    }

    private void run(BatchJob job, BatchJobs.Line line, BatchLines.Run run) {
        Optional<BatchLines.Answer> answer;
        try {
            answer = run.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // stopping: the lease lapses and the line runs again
        }
        if (answer.isEmpty()) { // cancelled: this node is stopping, and the lease lapses
            return;
        }
        BatchLines.Answer a = answer.get();
        switch (a.status()) {
            case 402 -> {
                String reason = message(a.body(), "the organization's spending cap is reached");
                jobs.pause(job.id(), reason, config.budgetRetry());
                giveBack(line);
            }
            case 429, 503 -> giveBack(line);
            default -> jobs.answer(line, a.status(), a.body());
        }
    }


    private void giveBack(BatchJobs.Line line) {
        try {
            jobs.unclaim(line);
        } catch (RuntimeException e) {
            LOG.debugf("could not give back %s: %s", line.requestId(), e.getMessage());
        }
    }

    private void renewLeases() {
        running.forEach((job, mine) -> {
            if (mine.isEmpty()) {
                running.remove(job, mine);
            } else {
                jobs.renew(job, new ArrayList<>(mine.keySet()), LEASE);
            }
        });
    }

    private int runningHere(String jobId) {
        Map<Integer, BatchLines.Run> mine = running.get(jobId);
        return mine == null ? 0 : mine.size();
    }

    /** Writes the job's output and error files and ends it in {@code state}. */
    private void complete(BatchJob job, String state) {
        Path out = null;
        Path err = null;
        try {
            out = java.nio.file.Files.createTempFile("sirocco-batch-out-", ".jsonl");
            err = java.nio.file.Files.createTempFile("sirocco-batch-err-", ".jsonl");
            int[] counts = new int[2];
            try (OutputStream o = new BufferedOutputStream(java.nio.file.Files.newOutputStream(out));
                 OutputStream e = new BufferedOutputStream(java.nio.file.Files.newOutputStream(err))) {
                jobs.eachLine(job.id(), (lineNo, customId, requestId, status, response) -> {
                    boolean ok = status != null && status >= 200 && status < 300;
                    Map<String, Object> line = resultLine(customId, requestId, status, response, state);
                    (ok ? o : e).write(JSON.writeValueAsBytes(line));
                    (ok ? o : e).write('\n');
                    counts[ok ? 0 : 1]++;
                });
            }
            String outId = counts[0] == 0 ? null : store(job, out, "output", Files.RESULTS);
            String errId = counts[1] == 0 ? null : store(job, err, "error", Files.ERRORS);
            if (!jobs.finish(job.id(), state, outId, errId)) { // another node finished it first
                for (String id : new String[]{outId, errId}) {
                    if (id != null) {
                        files.delete(job.orgId(), id);
                    }
                }
            }
        } catch (Exception e) {
            LOG.warnf("could not finish batch job %s: %s", job.id(), e.toString());
        } finally {
            for (Path p : new Path[]{out, err}) {
                try {
                    if (p != null) {
                        java.nio.file.Files.deleteIfExists(p);
                    }
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }

    private String store(BatchJob job, Path content, String kind, String sampleType) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(content)) {
            return files.create(job.orgId(), job.id() + "_" + kind + ".jsonl", sampleType, in).id();
        }
    }

    /**
     * One line of a result file, as both APIs write it: {@code {id, custom_id, response: {status_code, request_id,
     * body}, error}}. A line that never ran has no response and an error saying why.
     */
    static Map<String, Object> resultLine(String customId, String requestId, Integer status, String response,
                                          String jobState) throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("id", "batch_req_" + requestId);
        line.put("custom_id", customId);
        if (status == null) {
            line.put("response", null);
            boolean cancelled = jobState.equals(BatchJobs.CANCELLED);
            line.put("error", Map.of("code", cancelled ? "batch_cancelled" : "batch_expired", "message",
                    cancelled ? "the job was cancelled before this request ran"
                            : "the job's time ran out before this request ran"));
            return line;
        }
        JsonNode body = response == null || response.isEmpty() ? null : JSON.readTree(response);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("status_code", status);
        r.put("request_id", requestId);
        r.put("body", body);
        line.put("response", r);
        if (status >= 200 && status < 300) {
            line.put("error", null);
        } else {
            JsonNode e = body == null ? null : body.path("error");
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("code", e == null ? "http_" + status : e.path("code").asText("http_" + status));
            error.put("message", e == null ? "HTTP " + status : e.path("message").asText("HTTP " + status));
            line.put("error", error);
        }
        return line;
    }

    private static String message(String body, String fallback) {
        try {
            return JSON.readTree(body).path("error").path("message").asText(fallback);
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }
}
