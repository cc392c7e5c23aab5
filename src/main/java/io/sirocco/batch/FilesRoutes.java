package io.sirocco.batch;

import io.sirocco.accounts.KeyPrincipal;
import io.sirocco.gateway.ApiError;
import io.sirocco.gateway.ApiRequests;
import io.sirocco.gateway.ApiRequests.ApiRequest;
import io.sirocco.gateway.ApiRoutes;
import io.sirocco.http.BodyTimeout;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code /v1/files}: upload (multipart, streamed to a temporary file by {@link StreamedUpload} and from there to the
 * {@link FileStore} in chunks, never held whole in memory), list, retrieve, download and delete. Authenticated with
 * API keys like the rest of {@code /v1}; another organization's file id is a 404.
 */
@ApplicationScoped
public class FilesRoutes {
    private static final Logger LOG = Logger.getLogger(FilesRoutes.class);
    /** The largest body read and dropped before answering a refusal; larger ones are cut. */
    private static final long DRAINED_REFUSAL_BYTES = 64 * 1024;

    @Inject
    ApiRequests api;
    @Inject
    Files files;
    @Inject
    BatchConfig config;
    @Inject
    BodyTimeout bodyTimeout;

    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("sirocco-files-", 0).factory());

    void mount(@Observes Router router) {
        router.route("/v1/files").order(ApiRoutes.ORDER - 1).handler(this::root);
        router.route("/v1/files/*").order(ApiRoutes.ORDER - 1).handler(this::one);
    }

    private void root(RoutingContext ctx) {
        ApiRequest r = api.open(ctx);
        HttpMethod m = ctx.request().method();
        if (m.equals(HttpMethod.POST)) {
            upload(r);
        } else if (m.equals(HttpMethod.GET)) {
            work(r, () -> {
                KeyPrincipal key = api.authenticate(r);
                List<Map<String, Object>> data = files.list(key.orgId()).stream().map(StoredFile::json).toList();
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("object", "list");
                out.put("data", data);
                out.put("total", data.size());
                out.put("has_more", false);
                r.json(200, out);
            });
        } else {
            notAllowed(r, "GET, POST");
        }
    }

    private void one(RoutingContext ctx) {
        ApiRequest r = api.open(ctx);
        String rest = ctx.normalizedPath().substring("/v1/files/".length());
        boolean content = rest.endsWith("/content");
        String id = content ? rest.substring(0, rest.length() - "/content".length()) : rest;
        HttpMethod m = ctx.request().method();
        if (id.isEmpty() || id.contains("/")) {
            work(r, () -> {
                throw ApiError.notFound("no such endpoint: " + m + " " + ctx.normalizedPath());
            });
        } else if (content && m.equals(HttpMethod.GET)) {
            work(r, () -> download(r, api.authenticate(r), id));
        } else if (!content && m.equals(HttpMethod.GET)) {
            work(r, () -> r.json(200, files.get(api.authenticate(r).orgId(), id).json()));
        } else if (!content && m.equals(HttpMethod.DELETE)) {
            work(r, () -> {
                StoredFile f = files.delete(api.authenticate(r).orgId(), id);
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("id", f.id());
                out.put("object", "file");
                out.put("deleted", true);
                r.json(200, out);
            });
        } else {
            notAllowed(r, content ? "GET" : "GET, DELETE");
        }
    }

    /** Streams the content in chunks, waiting for the client to take each one (a slow reader holds no memory). */
    private void download(ApiRequest r, KeyPrincipal key, String id) throws IOException, InterruptedException {
        StoredFile f = files.get(key.orgId(), id);
        HttpServerResponse resp = r.context().response();
        try (InputStream in = files.open(key.orgId(), id)) {
            resp.setStatusCode(200).putHeader("content-type", "application/octet-stream")
                    .putHeader("content-disposition", "attachment; filename=\"" + f.filename().replaceAll("[\"\\\\\r\n]", "_") + "\"")
                    .putHeader("content-length", Long.toString(f.bytes()));
            byte[] chunk = new byte[64 * 1024];
            int n;
            while ((n = in.readNBytes(chunk, 0, chunk.length)) > 0) {
                if (resp.closed()) {
                    return;
                }
                resp.write(Buffer.buffer(n).appendBytes(chunk, 0, n)).toCompletionStage().toCompletableFuture().join();
                while (resp.writeQueueFull() && !resp.closed()) {
                    Thread.sleep(5);
                }
            }
            resp.end();
        }
    }

    /** Authenticates before reading any of the body; then streams the file part to a temporary file. */
    private void upload(ApiRequest r) {
        HttpServerRequest req = r.context().request();
        req.pause();
        Context vertx = Vertx.currentContext();
        long max = config.fileMaxBytes().asLongValue();
        work(r, () -> {
            KeyPrincipal key;
            try {
                key = api.authenticate(r);
                String type = req.getHeader("content-type");
                if (type == null || !type.toLowerCase().startsWith("multipart/form-data")) {
                    throw ApiError.malformed("send the file as multipart/form-data with the fields file and purpose");
                }
                if (StreamedUpload.announcedLength(req) > max + 64 * 1024) {
                    throw tooLarge(max);
                }
            } catch (RuntimeException e) {
                vertx.runOnContext(v -> refuseBeforeBody(r, e));
                return;
            }
            vertx.runOnContext(v -> receive(r, key, req, max));
        });
    }

    private void receive(ApiRequest r, KeyPrincipal key, HttpServerRequest req, long max) {
        bodyTimeout.allow(r.context(), StreamedUpload.allowance(req, max, bodyTimeout.timeout(),
                config.uploadMinRate().asLongValue()));
        StreamedUpload.receive(r.context(), "file", max)
                .onComplete(done -> workers.execute(() -> finish(r, key, req, done.result(), max)));
    }

    private void finish(ApiRequest r, KeyPrincipal key, HttpServerRequest req, StreamedUpload.Received up, long max) {
        try {
            if (up.failed() != null) {
                LOG.debugf("upload %s broke off: %s", r.requestId(), up.failed().getMessage());
                throw ApiError.malformed("the upload broke off before the file arrived whole");
            }
            if (up.tooLarge()) {
                closeAfter(r);
                throw tooLarge(max);
            }
            String purpose = Files.uploadPurpose(req.getFormAttribute("purpose"));
            if (up.file() == null) {
                throw ApiError.invalid("file", "file is required: send it as the multipart field file");
            }
            String filename = up.filename() == null || up.filename().isBlank() ? "upload.jsonl" : up.filename();
            StoredFile f;
            try (InputStream in = java.nio.file.Files.newInputStream(up.file())) {
                f = files.create(key.orgId(), filename, Files.REQUESTS, in);
            }
            if (!purpose.equals(f.purpose())) {
                throw new IllegalStateException("purpose mismatch");
            }
            r.json(200, f.json());
        } catch (Throwable t) {
            r.fail(t);
        } finally {
            up.delete();
        }
    }

    static ApiError tooLarge(long max) {
        return new ApiError(413, "invalid_request_error", "file_too_large", "file",
                "the file is larger than the limit of " + max + " bytes (sirocco.batch.file-max-bytes)", null);
    }

    /**
     * Answers a refusal made before the body was read. A small body, announced or sent chunked, is read and dropped
     * first, so a client still sending it sees the answer rather than a broken pipe; one announced or found to be
     * larger than {@link #DRAINED_REFUSAL_BYTES} is cut by closing.
     */
    private static void refuseBeforeBody(ApiRequest r, RuntimeException refusal) {
        HttpServerRequest req = r.context().request();
        if (StreamedUpload.announcedLength(req) > DRAINED_REFUSAL_BYTES) {
            closeAfter(r);
            r.fail(refusal);
            return;
        }
        long[] dropped = {0};
        boolean[] answered = {false};
        req.handler(chunk -> {
            dropped[0] += chunk.length();
            if (dropped[0] > DRAINED_REFUSAL_BYTES && !answered[0]) {
                answered[0] = true;
                closeAfter(r);
                r.fail(refusal);
            }
        });
        req.exceptionHandler(broken -> { });
        req.endHandler(end -> {
            if (!answered[0]) {
                answered[0] = true;
                r.fail(refusal);
            }
        });
        req.resume();
    }

    /**
     * Closes the connection once the answer is sent, so the rest of a refused body is not read. Not on HTTP/2: a
     * connection header is illegal there (clients reject the answer), and the connection carries other streams.
     */
    private static void closeAfter(ApiRequest r) {
        if (r.context().request().version() == HttpVersion.HTTP_2) {
            return;
        }
        HttpServerResponse resp = r.context().response();
        resp.putHeader("connection", "close");
        resp.endHandler(v -> r.context().request().connection().close());
    }

    private void notAllowed(ApiRequest r, String allow) {
        r.context().response().putHeader("allow", allow);
        work(r, () -> {
            throw ApiError.methodNotAllowed(r.context().request().method() + " is not allowed here; use " + allow);
        });
    }

    public interface Work {
        void run() throws Exception;
    }

    /** Runs on a virtual thread; any failure becomes the API's error body. */
    public void work(ApiRequest r, Work w) {
        workers.execute(() -> {
            try {
                w.run();
            } catch (Throwable t) {
                r.fail(t);
            }
        });
    }
}
