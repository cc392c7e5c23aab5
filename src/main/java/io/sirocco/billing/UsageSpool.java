package io.sirocco.billing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Ledger rows of answered requests that could not be written because the database was away: each is kept as one
 * file under {@code <data-dir>/usage-spool/} (written to a temporary name, synced, then renamed, so a crash leaves
 * no half file), and written to the ledger once the database is back (every 2 s; the ledger is idempotent by
 * request id, so a row written twice is recorded once). Nothing already answered is lost while PostgreSQL restarts.
 * <p>
 * The directory must outlive the process ({@code sirocco.billing.usage-spool-dir}; in Kubernetes a persistent
 * volume, see docs/operations.md). Several gateways may share one: file names are request ids, a row replayed by two
 * of them is still recorded once, and a file another gateway has just replayed is skipped.
 * <p>
 * A database outage is retried for as long as it lasts. Any other failure (a file that cannot be read or parsed, a
 * row the database refuses, such as a constraint violation) is tried {@value #TRIES} times; then the file moves to
 * {@code <spool>/quarantine/} (the same volume) with a {@code .reason.txt} beside it, is logged once at ERROR, and
 * counts in the gauge {@code sirocco:usage_spool_quarantined} until an operator deals with it. Nothing is dropped.
 */
@ApplicationScoped
public class UsageSpool {
    private static final Logger LOG = Logger.getLogger(UsageSpool.class);
    /** Replays of one file that fail for a reason other than an outage before it is quarantined. */
    static final int TRIES = 5;

    /** What {@link UsageLedger#recordAll} needs, as kept on disk. */
    public record Spooled(UsageEvent event, Prices prices, RequestTags tags) {
    }

    @Inject
    UsageLedger ledger;
    @Inject
    ObjectMapper json;
    @ConfigProperty(name = "sirocco.data-dir", defaultValue = "data")
    String dataDir;
    @ConfigProperty(name = "sirocco.billing.usage-spool-dir")
    java.util.Optional<String> spoolDir;
    @Inject
    MeterRegistry metrics;

    /** Failed replays per file name (not outages); forgotten when the file is written or quarantined. */
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();

    @PostConstruct
    void gauges() {
        Gauge.builder("sirocco:usage_spool_pending", this, UsageSpool::pending)
                .description("Ledger rows waiting in the usage spool for the database").register(metrics);
        Gauge.builder("sirocco:usage_spool_quarantined", this, UsageSpool::quarantined)
                .description("Usage spool files set aside after failing to replay; see the spool's quarantine folder")
                .register(metrics);
    }

    /** Where waiting rows are kept: {@code sirocco.billing.usage-spool-dir}, else {@code <data-dir>/usage-spool}. */
    public Path directory() {
        return spoolDir.filter(s -> !s.isBlank()).map(Path::of).orElseGet(() -> Path.of(dataDir, "usage-spool"));
    }

    private Path dir() {
        return directory();
    }

    /** Where files that failed to replay for a reason other than an outage are set aside. */
    public Path quarantine() {
        return dir().resolve("quarantine");
    }

    /** Keeps one row durably; throws when even that is impossible (then the caller reports the failure). */
    public void keep(UsageEvent event, Prices prices, RequestTags tags) {
        try {
            Path dir = Files.createDirectories(dir());
            String name = event.requestId().replaceAll("[^A-Za-z0-9_-]", "_");
            Path tmp = dir.resolve(name + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(json.writeValueAsBytes(new Spooled(event, prices, tags))));
                ch.force(true);
            }
            Files.move(tmp, dir.resolve(name + ".json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            LOG.warnf("request %s: the database is away; its ledger row waits in %s", event.requestId(), dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not keep the usage of request " + event.requestId(), e);
        }
    }

    /** Rows still waiting. */
    public int pending() {
        return files().size();
    }

    /** Files set aside in {@link #quarantine()}. */
    public int quarantined() {
        return list(quarantine()).size();
    }

    @Scheduled(every = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void replay() {
        for (Path f : files()) {
            Spooled s;
            try {
                s = json.readValue(Files.readAllBytes(f), Spooled.class);
            } catch (java.nio.file.NoSuchFileException e) {
                continue; // another gateway sharing the directory replayed it first
            } catch (IOException | RuntimeException e) {
                failed(f, "unreadable or corrupt: " + firstLine(e.getMessage()));
                continue;
            }
            if (s == null || s.event() == null || s.prices() == null) {
                failed(f, "corrupt: no usage event or prices in it");
                continue;
            }
            try {
                ledger.recordAll(s.event(), s.prices(), s.tags() == null ? RequestTags.NONE : s.tags());
                Files.deleteIfExists(f);
                failures.remove(f.getFileName().toString());
                LOG.infof("request %s: ledger row written from the spool", s.event().requestId());
            } catch (RuntimeException e) {
                if (DatabaseOutage.causedBy(e)) {
                    return; // still away: try again later, for as long as it takes
                }
                failed(f, "the database refused the row: " + firstLine(rootMessage(e)));
            } catch (IOException e) { // written, but the file could not be removed: the next replay is a no-op
                LOG.warnf("request %s: written to the ledger, but %s could not be removed: %s",
                        s.event().requestId(), f, e.getMessage());
            }
        }
    }

    /** One more failed try; the {@value #TRIES}th sets the file aside. */
    private void failed(Path f, String reason) {
        String name = f.getFileName().toString();
        int tries = failures.merge(name, 1, Integer::sum);
        if (tries < TRIES) {
            if (tries == 1) {
                LOG.warnf("could not replay usage spool file %s (%s); trying %d more times", f, reason, TRIES - 1);
            }
            return;
        }
        failures.remove(name);
        try {
            Path aside = Files.createDirectories(quarantine()).resolve(name);
            Files.writeString(aside.resolveSibling(name + ".reason.txt"), reason + "\n");
            Files.move(f, aside, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            LOG.errorf("usage spool file %s failed %d replays and was moved to %s: %s. Its ledger row is NOT recorded;"
                    + " fix the cause and move the file back into %s to replay it", f, TRIES, aside, reason, dir());
        } catch (java.nio.file.NoSuchFileException e) {
            // another gateway sharing the directory moved or replayed it
        } catch (IOException e) {
            LOG.errorf("usage spool file %s failed %d replays (%s) and could not be moved to %s: %s", f, TRIES, reason,
                    quarantine(), e.getMessage());
        }
    }

    private static String firstLine(String message) {
        return message == null ? "no message" : message.lines().findFirst().orElse("");
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root.getMessage();
    }

    private List<Path> files() {
        return list(dir());
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
