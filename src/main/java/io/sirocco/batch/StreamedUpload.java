package io.sirocco.batch;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A multipart request body read as it arrives: one file part streamed to a temporary file (never held whole in
 * memory; bytes past the limit are read and dropped), the other fields kept as the request's form attributes. Both
 * upload routes use it: {@code POST /v1/files} and the console's batch form; the file then goes to the
 * {@link FileStore} through {@link Files#create}.
 */
public final class StreamedUpload {
    private static final Logger LOG = Logger.getLogger(StreamedUpload.class);

    /** The body as it arrived. {@code file} is null when no file part came (or it could not be written). */
    public record Received(Path file, String filename, long size, boolean tooLarge, Throwable failed) {
        /** Removes the temporary file. */
        public void delete() {
            if (file != null) {
                try {
                    java.nio.file.Files.deleteIfExists(file);
                } catch (IOException e) {
                    LOG.warnf("could not delete %s: %s", file, e.getMessage());
                }
            }
        }
    }

    private Path tmp;
    private AsyncFile out;
    private String filename;
    private long size;
    private boolean tooLarge;
    private boolean started;
    private Throwable failed;
    private final Promise<Void> written = Promise.promise();

    private StreamedUpload() {
    }

    /**
     * Reads the (paused or not yet read) body of {@code ctx}: the first part named {@code field} into a temporary file,
     * at most {@code max} bytes of it. Completes once the whole body has arrived, or with {@link Received#failed} when
     * it broke off; the caller deletes the file.
     */
    public static Future<Received> receive(RoutingContext ctx, String field, long max) {
        StreamedUpload s = new StreamedUpload();
        HttpServerRequest req = ctx.request();
        Promise<Received> done = Promise.promise();
        req.setExpectMultipart(true);
        req.uploadHandler(up -> {
            if (!field.equals(up.name()) || s.started) {
                up.handler(b -> {
                });
                return;
            }
            s.started = true;
            s.filename = up.filename();
            try {
                s.tmp = java.nio.file.Files.createTempFile("sirocco-upload-", ".part");
            } catch (IOException e) {
                s.failed = e;
                up.handler(b -> {
                });
                s.written.tryComplete();
                return;
            }
            s.out = ctx.vertx().fileSystem().openBlocking(s.tmp.toString(), new OpenOptions().setWrite(true));
            s.stream(up, max);
        });
        req.exceptionHandler(e -> {
            s.failed = e;
            s.written.tryComplete();
            s.written.future().onComplete(x -> done.tryComplete(s.received()));
        });
        req.endHandler(v -> {
            if (!s.started) {
                s.written.tryComplete();
            }
            s.written.future().onComplete(x -> done.tryComplete(s.received()));
        });
        req.resume();
        return done.future();
    }

    /** The request's Content-Length, or -1 when it has none (chunked) or none that reads as a number. */
    public static long announcedLength(HttpServerRequest req) {
        String length = req.getHeader("content-length");
        return length != null && !length.isEmpty() && length.chars().allMatch(Character::isDigit)
                && length.length() < 19 ? Long.parseLong(length) : -1;
    }

    /**
     * The time an upload's body may take from now: the body timeout plus the announced size (at most {@code max}) at
     * the slowest allowed rate ({@code sirocco.batch.upload-min-rate}, bytes per second).
     */
    public static Duration allowance(HttpServerRequest req, long max, Duration bodyTimeout, long minRate) {
        long announced = announcedLength(req);
        long bytes = announced < 0 ? max : Math.min(announced, max);
        return bodyTimeout.plusSeconds(bytes / Math.max(1, minRate));
    }

    private Received received() {
        return new Received(tmp, filename, size, tooLarge, failed);
    }

    private void stream(HttpServerFileUpload up, long max) {
        up.handler(b -> {
            size += b.length();
            if (size > max) {
                tooLarge = true;
                return; // the rest is read and dropped
            }
            out.write(b);
            if (out.writeQueueFull()) {
                up.pause();
                out.drainHandler(x -> up.resume());
            }
        });
        up.exceptionHandler(e -> {
            failed = e;
            out.close();
            written.tryComplete();
        });
        up.endHandler(v -> out.close().onComplete(x -> written.tryComplete()));
    }
}
