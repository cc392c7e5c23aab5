package io.sirocco.batch;

import com.fasterxml.jackson.databind.JsonNode;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sirocco.billing.Fixtures;
import io.sirocco.gateway.TestKeys;
import io.sirocco.gateway.TestKeys.Key;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upload at the default limit (200 MiB): a file of exactly the limit, generated while it is sent over loopback,
 * is stored whole while the live heap stays far below the file's size (it is streamed, never held whole); one byte
 * more is a 413 (over HTTP/2 too). The body timeout is 3 s in tests: the upload has that plus its size at
 * {@code sirocco.batch.upload-min-rate} (512 KiB/s), 403 s. It prints how long the body took to send and store.
 */
@QuarkusTest
class LargeUploadTest {
    private static final long MIB = 1 << 20;

    @Inject
    TestKeys keys;
    @Inject
    BatchConfig config;
    @Inject
    AgroalDataSource db;
    @TestHTTPResource("/")
    URL base;

    @Test
    void aFileOfTheLimitIsStreamedInAndOneByteMoreIs413() throws Exception {
        long limit = config.fileMaxBytes().asLongValue();
        assertEquals(200 * MIB, limit);
        assertEquals(64, GeneratedUpload.LINE.length);
        Key key = keys.create();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        long liveBefore = liveHeap();
        AtomicLong livePeak = new AtomicLong(liveBefore);
        // the live heap after a full collection, each time another 50 MiB have been sent
        GeneratedUpload file = new GeneratedUpload(limit, Duration.ZERO, sent -> {
            if (sent > 0 && sent % (50 * MIB) == 0) {
                livePeak.accumulateAndGet(liveHeap(), Math::max);
            }
        });
        long start = System.nanoTime();
        HttpResponse<String> ok = http.send(file.request(base, key), HttpResponse.BodyHandlers.ofString());
        double total = (System.nanoTime() - start) / 1e9;
        double body = (file.sentNanos() - start) / 1e9;
        long grown = livePeak.get() - liveBefore;
        System.out.printf("LargeUploadTest: %d MiB over HTTP/1.1: body sent in %.1f s (%.0f MiB/s), answered after %.1f s (stored);"
                + " live heap grew by at most %d MiB%n", limit / MIB, body, limit / MIB / body, total, grown / MIB);
        assertEquals(200, ok.statusCode(), ok.body());
        JsonNode f = BatchTesting.JSON.readTree(ok.body());
        assertEquals(limit, f.get("bytes").asLong());
        assertEquals(limit / GeneratedUpload.LINE.length, f.get("num_lines").asLong());
        assertTrue(grown < 80 * MIB, "streamed, never held whole: the live heap grew by " + grown / MIB + " MiB");
        assertEquals(limit, storedBytes(f.get("id").asText()), "every byte in the store");
        io.restassured.RestAssured.given().header("Authorization", key.bearer())
                .delete("/v1/files/" + f.get("id").asText()).then().statusCode(200);

        // over HTTP/2 (the client upgrades with h2c), where the refusal must carry no connection header
        HttpResponse<String> tooBig = HttpClient.newHttpClient().send(new GeneratedUpload(limit + 1)
                .request(base, key), HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, tooBig.version());
        assertEquals(413, tooBig.statusCode(), tooBig.body());
        assertTrue(tooBig.body().contains("\"code\":\"file_too_large\""), tooBig.body());
    }

    /** The heap still in use after a full collection: what the JVM holds on to. */
    private static long liveHeap() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private long storedBytes(String fileId) {
        return Fixtures.count(db, "select coalesce(sum(length(data)), 0) from file_chunks where file_id = ?", fileId);
    }
}
