package io.sirocco.console;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.sirocco.batch.BatchConfig;
import io.sirocco.batch.StreamedUpload;
import io.sirocco.http.BodyTimeout;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.Locale;

/**
 * Reads the body of the console's batch form ({@code POST /console/batch}, multipart) before Quarkus' body limit
 * ({@code quarkus.http.limits.max-body-size}, 10 MB, which stays for every other form), so that a file may be as large
 * as {@code sirocco.batch.file-max-bytes} lets {@code POST /v1/files} take. It runs after authentication and only for a
 * signed-in customer (anyone else goes on to the page's own refusal, under the 10 MB limit). The file part streams to
 * a temporary file ({@link StreamedUpload}; past the limit it is read and dropped) with the time an upload gets
 * ({@code sirocco.batch.upload-min-rate}, as for {@code /v1/files}), the other fields become form attributes; {@link BatchPages#create} then checks the form token and role and makes the job. The temporary file is
 * deleted when the response ends.
 */
@ApplicationScoped
public class BatchUploadRoute {
    /** Where the received body waits for {@link BatchPages#create}. */
    static final String RECEIVED = "sirocco.console.batch-upload";

    @Inject
    BatchConfig config;
    @Inject
    BodyTimeout bodyTimeout;

    /** After authentication and authorization (filter orders -200 and -100), before the body limit (-2). */
    void mount(@Observes Router router) {
        router.post(BatchPages.PATH).order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(this::receive);
    }

    private void receive(RoutingContext ctx) {
        String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        SecurityIdentity identity = ctx.user() instanceof QuarkusHttpUser u ? u.getSecurityIdentity() : null;
        if (identity == null || identity.isAnonymous() || !identity.hasRole("customer") || type == null
                || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            ctx.next();
            return;
        }
        ctx.request().pause();
        long max = config.fileMaxBytes().asLongValue();
        bodyTimeout.allow(ctx, StreamedUpload.allowance(ctx.request(), max, bodyTimeout.timeout(),
                config.uploadMinRate().asLongValue()));
        StreamedUpload.receive(ctx, BatchPages.FILE_PART, max).onComplete(done -> {
            StreamedUpload.Received up = done.result();
            if (up.failed() != null) {
                up.delete();
                if (!ctx.response().ended() && !ctx.response().closed()) {
                    ctx.response().setStatusCode(400).putHeader(HttpHeaders.CONNECTION, "close")
                            .end("The upload broke off before the file arrived whole.");
                }
                return;
            }
            ctx.put(RECEIVED, up);
            ctx.addEndHandler(x -> up.delete());
            // The body has been read within the file limit: Quarkus' body limit is for bodies still to come.
            ctx.request().headers().remove(HttpHeaders.CONTENT_LENGTH);
            ctx.next();
        });
    }
}
