package io.sirocco.batch;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** {@code sirocco.batch.*}: files and batch jobs (docs/configuration.md). */
@ConfigMapping(prefix = "sirocco.batch")
public interface BatchConfig {
    /** The largest file an upload may be. */
    @WithDefault("200M")
    MemorySize fileMaxBytes();

    /**
     * The slowest average rate, in bytes per second, at which an upload may arrive: a file upload has the body
     * timeout plus its announced size at this rate (so a 200 MB file is not cut at links slower than the body
     * timeout allows).
     */
    @WithDefault("512K")
    MemorySize uploadMinRate();

    /** The most lines a batch job's input files may hold together. */
    @WithDefault("50000")
    int maxLines();

    /** The most estimated tokens (prompt + most new tokens) an organization may have queued in batch lines. */
    @WithDefault("50000000")
    long maxEnqueuedTokensPerOrg();

    /** Lines of one model running at once on this node (the engine batches them; live traffic preempts them). */
    @WithDefault("16")
    int concurrencyPerModel();

    /** How often the runner looks for work and retries paused jobs. */
    @WithDefault("1s")
    Duration poll();

    /** How long a job paused by the organization's spending cap waits before it tries again. */
    @WithDefault("30s")
    Duration budgetRetry();

    /** Whether this node runs batch lines (scaled out: the gateways do; workers serve them from the queues). */
    @WithDefault("true")
    boolean runner();
}
