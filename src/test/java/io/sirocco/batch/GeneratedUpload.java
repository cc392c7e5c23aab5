package io.sirocco.batch;

import io.sirocco.gateway.TestKeys.Key;

import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.function.LongConsumer;

/**
 * A multipart {@code /v1/files} upload (purpose batch) whose JSONL file is generated while it is sent, 64 KiB at a
 * time, with its Content-Length: the client never holds the file either. Optionally paced (a pause before each
 * 64 KiB) and watched (a callback with the file bytes sent so far, every 64 KiB).
 */
final class GeneratedUpload {
    /** Every line of the file: 64 bytes, so a whole number of KiB is whole lines. */
    static final byte[] LINE = "{\"custom_id\":\"r\",\"body\":{\"messages\":[],\"max_tokens\":1},\"x\":\"-\"}\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final int PIECE = 64 * 1024;

    private final long bytes;
    private final Duration pause;
    private final LongConsumer progress;
    private volatile long sentNanos;

    GeneratedUpload(long bytes, Duration pause, LongConsumer progress) {
        this.bytes = bytes;
        this.pause = pause;
        this.progress = progress;
    }

    GeneratedUpload(long bytes) {
        this(bytes, Duration.ZERO, sent -> { });
    }

    /** When the client had handed over the last byte of the body (System.nanoTime), 0 before. */
    long sentNanos() {
        return sentNanos;
    }

    HttpRequest request(URL base, Key key) {
        String boundary = "sirocco-" + UUID.randomUUID();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        return HttpRequest.newBuilder(URI.create(base + "v1/files"))
                .header("Authorization", key.bearer())
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .timeout(Duration.ofMinutes(10))
                .POST(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> new Body(head, tail)),
                        head.length + bytes + tail.length))
                .build();
    }

    /** The multipart head, then the file ({@link #LINE} over and over), then the tail. */
    private final class Body extends InputStream {
        private final byte[] head;
        private final byte[] tail;
        private final byte[] lines = new byte[PIECE];
        private final long fileEnd;
        private final long total;
        private long pos;

        Body(byte[] head, byte[] tail) {
            this.head = head;
            this.tail = tail;
            this.fileEnd = head.length + bytes;
            this.total = fileEnd + tail.length;
            for (int i = 0; i < lines.length; i += LINE.length) {
                System.arraycopy(LINE, 0, lines, i, LINE.length);
            }
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= total) {
                if (sentNanos == 0) {
                    sentNanos = System.nanoTime();
                }
                return -1;
            }
            int n;
            if (pos < head.length) {
                n = (int) Math.min(len, head.length - pos);
                System.arraycopy(head, (int) pos, b, off, n);
            } else if (pos < fileEnd) {
                long at = pos - head.length;
                int inPiece = (int) (at % PIECE);
                if (inPiece == 0) {
                    progress.accept(at);
                    pace();
                }
                n = (int) Math.min(Math.min(len, PIECE - inPiece), fileEnd - pos);
                System.arraycopy(lines, inPiece, b, off, n);
            } else {
                n = (int) Math.min(len, total - pos);
                System.arraycopy(tail, (int) (pos - fileEnd), b, off, n);
            }
            pos += n;
            return n;
        }

        private void pace() {
            if (!pause.isZero()) {
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
