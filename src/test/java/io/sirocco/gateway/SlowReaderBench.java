package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sirocco.gateway.TestKeys.Key;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * Not a test: measures the normal streams' pace alone and beside a client that stopped reading, and the memory the
 * server holds meanwhile, on the real engine with the default stream settings. It asserts nothing; run it by hand
 * (docs/benchmarks.md) with {@code -Dsirocco.bench=true}. Only public API and test helpers that predate the
 * delivery stage are used, so the same class measures older code too.
 */
@QuarkusTest
@TestProfile(SlowReaderBench.Profile.class)
@EnabledIfSystemProperty(named = "sirocco.bench", matches = "true")
class SlowReaderBench extends ApiTestBase {
    static final int NORMAL = Integer.getInteger("sirocco.bench.normal", 15);
    static final int NORMAL_TOKENS = Integer.getInteger("sirocco.bench.tokens", 200);
    static final int STALLED_TOKENS = Integer.getInteger("sirocco.bench.stalled-tokens", 3000);
    static final int ROUNDS = Integer.getInteger("sirocco.bench.rounds", 2);

    /** Room for 16 streams at once on mistral-tiny; stream settings left at their defaults. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sirocco.models.queue-capacity", "256", "sirocco.models.mistral-tiny.max-sequences", "16");
        }
    }

    @Test
    void measure() throws Exception {
        Key key = keys.create();
        StreamClients clients = new StreamClients(base, key);
        clients.normalStreams(NORMAL, NORMAL_TOKENS); // warm-up
        for (int round = 1; round <= ROUNDS; round++) {
            StreamClients.Pace alone = clients.normalStreams(NORMAL, NORMAL_TOKENS);
            long[] memAlone = memory();
            StreamClients.Pace beside;
            long[] memBeside;
            String requestId;
            try (StreamClients.Stalled stalled = clients.stall(STALLED_TOKENS)) {
                requestId = stalled.requestId();
                beside = clients.normalStreams(NORMAL, NORMAL_TOKENS);
                memBeside = memory();
            }
            await().atMost(Duration.ofSeconds(300)).until(() -> keys.ledger(key.orgId()).containsKey(requestId));
            System.out.printf("slow-reader bench round %d: %d streams of %d tokens; alone %.1f tok/s per stream "
                            + "(%d finished), beside a stalled client %.1f tok/s (%d finished) = %.0f %%; "
                            + "heap used after GC %d -> %d KiB, direct buffers %d -> %d KiB; "
                            + "stalled request's ledger row (status prompt completion cost): %s%n",
                    round, NORMAL, NORMAL_TOKENS, alone.tokensPerSecond(), alone.finished(), beside.tokensPerSecond(),
                    beside.finished(), 100 * beside.tokensPerSecond() / alone.tokensPerSecond(), memAlone[0] >> 10,
                    memBeside[0] >> 10, memAlone[1] >> 10, memBeside[1] >> 10,
                    keys.ledger(key.orgId()).get(requestId));
        }
    }

    /** {heap used after a GC, direct memory used (the JDK's buffers and Netty's own)} in bytes. */
    private static long[] memory() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        return new long[]{rt.totalMemory() - rt.freeMemory(),
                direct + Math.max(0, io.netty.util.internal.PlatformDependent.usedDirectMemory())};
    }
}
