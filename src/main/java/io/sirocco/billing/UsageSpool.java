package io.sirocco.billing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.scheduler.Scheduled;
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
 */
@ApplicationScoped
public class UsageSpool {
    private static final Logger LOG = Logger.getLogger(UsageSpool.class);

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

    /** Where waiting rows are kept: {@code sirocco.billing.usage-spool-dir}, else {@code <data-dir>/usage-spool}. */
    public Path directory() {
        return spoolDir.filter(s -> !s.isBlank()).map(Path::of).orElseGet(() -> Path.of(dataDir, "usage-spool"));
    }

    private Path dir() {
        return directory();
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

    @Scheduled(every = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void replay() {
        for (Path f : files()) {
            try {
                Spooled s = json.readValue(Files.readAllBytes(f), Spooled.class);
                ledger.recordAll(s.event(), s.prices(), s.tags() == null ? RequestTags.NONE : s.tags());
                Files.deleteIfExists(f);
                LOG.infof("request %s: ledger row written from the spool", s.event().requestId());
            } catch (RuntimeException e) {
                if (DatabaseOutage.causedBy(e)) {
                    return; // still away: try again later
                }
                LOG.errorf(e, "could not replay %s; it stays in the spool", f);
            } catch (java.nio.file.NoSuchFileException e) {
                // another gateway sharing the directory replayed it first
            } catch (IOException e) {
                LOG.errorf(e, "unreadable spool file %s", f);
            }
        }
    }

    private List<Path> files() {
        Path dir = dir();
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
