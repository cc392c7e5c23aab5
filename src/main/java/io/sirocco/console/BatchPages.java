package io.sirocco.console;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateData;
import io.sirocco.accounts.ApiKeys;
import io.sirocco.accounts.KeyPrincipal;
import io.sirocco.accounts.Member;
import io.sirocco.accounts.Organization;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.Permission;
import io.sirocco.accounts.web.Csrf;
import io.sirocco.accounts.web.CsrfForm;
import io.sirocco.accounts.web.CsrfPage;
import io.sirocco.batch.BatchConfig;
import io.sirocco.batch.BatchCreation;
import io.sirocco.batch.BatchJob;
import io.sirocco.batch.BatchJobs;
import io.sirocco.batch.Files;
import io.sirocco.batch.StoredFile;
import io.sirocco.batch.StreamedUpload;
import io.sirocco.gateway.ApiError;
import io.sirocco.http.PageTimes;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code /console/batch}: the org's batch jobs (status, counts, cost so far, result downloads), a form that creates a
 * job from an uploaded JSONL file or one uploaded before, and cancel buttons. Members whose role has
 * {@link Permission#BATCH} (owners, developers) open it; the others get 403. The job is created by
 * {@link BatchCreation} exactly as {@code POST /v1/batch/jobs} creates one (same validation, limits and prices), as
 * the member's console key ({@link ApiKeys#playground}, the playground's), so no key secret reaches the browser.
 */
@Path(BatchPages.PATH)
@RolesAllowed("customer")
@Produces(MediaType.TEXT_HTML)
public class BatchPages {
    static final String PATH = "/console/batch";
    /** The form's file field. */
    static final String FILE_PART = "file";
    /** The jobs the page lists, newest first. */
    static final int SHOWN = 100;
    private static final String FILE_FIELD = "input_file";

    @Inject
    ConsoleCaller caller;
    @Inject
    Organizations organizations;
    @Inject
    ApiKeys apiKeys;
    @Inject
    BatchJobs jobs;
    @Inject
    BatchCreation creation;
    @Inject
    Files files;
    @Inject
    BatchConfig config;
    @Inject
    CsrfPage pages;
    @Inject
    @Location("console/batch.html")
    Template batchPage;

    @GET
    public Response list() {
        return pages.show(token -> page(200, caller.primary(Permission.BATCH), token, null, null));
    }

    /**
     * Creates a job from the uploaded file ({@code file}) or an earlier input file ({@code file_id}). The body has been
     * read by {@link BatchUploadRoute} (the file streamed to a temporary file, at most
     * {@code sirocco.batch.file-max-bytes}); the file goes to the {@link io.sirocco.batch.FileStore} as through
     * {@code POST /v1/files}. A refused job shows the refusal (which names the lines) with its status, and an upload
     * that made no job is deleted again.
     */
    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public Response create(@CookieParam(Csrf.COOKIE) String csrfCookie, @Context RoutingContext ctx) {
        MultiMap form = ctx.request().formAttributes();
        Member m = caller.posted(new CsrfForm(csrfCookie, form.get(Csrf.FIELD)), Permission.BATCH);
        StreamedUpload.Received upload = ctx.get(BatchUploadRoute.RECEIVED);
        boolean uploaded = upload != null && upload.size() > 0;
        String input = uploaded ? null : blankToNull(form.get("file_id"));
        String endpoint = form.get("endpoint");
        if (!uploaded && input == null) {
            return page(400, m, csrfCookie, null, "Choose a JSONL file to upload, or one you uploaded before.").build();
        }
        if (uploaded && upload.tooLarge()) {
            long max = config.fileMaxBytes().asLongValue();
            return page(413, m, csrfCookie, null, "The file is larger than " + max + " bytes (" + megabytes(max)
                    + "), the most a batch input file may be. Nothing was uploaded.").build();
        }
        if (endpoint == null || !BatchCreation.ENDPOINTS.contains(endpoint)) {
            return page(400, m, csrfCookie, null, "Choose the endpoint the file's lines call.").build();
        }
        try {
            if (uploaded) {
                try (InputStream in = java.nio.file.Files.newInputStream(upload.file())) {
                    input = files.create(m.orgId(), fileName(upload.filename()), Files.REQUESTS, in).id();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            KeyPrincipal key = apiKeys.playground(m.orgId(), caller.userId(), caller.actor());
            BatchJob job = creation.create(key, new BatchCreation.Request("mistral", endpoint,
                    blankToNull(form.get("model")), List.of(input), null, Duration.ofHours(24), FILE_FIELD));
            return page(201, m, csrfCookie, "Job " + job.id() + " created: " + job.total() + " requests queued.", null)
                    .header("Location", "/console/batch#" + job.id()).build();
        } catch (ApiError e) {
            if (uploaded && input != null) {
                files.delete(m.orgId(), input); // the upload made no job: keep no orphan
            }
            return page(clientStatus(e), m, csrfCookie, null, e.getMessage()).build();
        }
    }

    @POST
    @Path("{id}/cancel")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response cancel(@PathParam("id") String id, @BeanParam CsrfForm form) {
        Member m = caller.posted(form, Permission.BATCH);
        try {
            jobs.cancel(m.orgId(), id);
        } catch (ApiError e) {
            if (e.status() == 404) {
                throw new NotFoundException();
            }
            return page(clientStatus(e), m, form.token(), null, e.getMessage()).build();
        }
        return Response.seeOther(URI.create("/console/batch")).build();
    }

    /** A job's input, output or error file, as a download. Another org's file is a 404. */
    @GET
    @Path("files/{id}")
    @Produces("application/jsonl")
    public Response download(@PathParam("id") String id) {
        Member m = caller.primary(Permission.BATCH);
        StoredFile f = files.find(m.orgId(), id).orElseThrow(NotFoundException::new);
        StreamingOutput body = out -> {
            try (InputStream in = files.open(m.orgId(), f.id())) {
                in.transferTo(out);
            }
        };
        return Response.ok(body, "application/jsonl")
                .header("Content-Disposition", "attachment; filename=\"" + safeName(f.filename()) + "\"")
                .header("Cache-Control", "no-store").build();
    }

    /** A job as the page shows it. */
    @TemplateData
    public record JobRow(String id, String createdAt, String endpoint, String model, String status, boolean open,
                         int total, int succeeded, int failed, int percent, String cost, String pauseReason,
                         String outputFileId, String errorFileId, List<String> inputFileIds) {
        /** {@code stored}: the org's files that still exist (one deleted through the API gets no link). */
        static JobRow of(BatchJob j, Set<String> stored) {
            return new JobRow(j.id(), PageTimes.minutes(j.createdAt()), j.endpoint(),
                    j.model() == null ? "per line" : j.model(), j.state().replace('_', ' '), j.open(), j.total(),
                    j.succeeded(), j.failed(), j.total() == 0 ? 0 : (int) (100L * j.answered() / j.total()),
                    j.costEur().stripTrailingZeros().toPlainString(), j.pauseReason(), stored(j.outputFileId(), stored),
                    stored(j.errorFileId(), stored), j.inputFileIds().stream().filter(stored::contains).toList());
        }

        private static String stored(String id, Set<String> stored) {
            return id != null && stored.contains(id) ? id : null;
        }
    }

    /** An input file the form offers again. */
    @TemplateData
    public record FileRow(String id, String filename, long bytes, Integer lines, String createdAt) {
        static FileRow of(StoredFile f) {
            return new FileRow(f.id(), f.filename(), f.bytes(), f.numLines(), PageTimes.minutes(f.createdAt()));
        }
    }

    private Response.ResponseBuilder page(int status, Member m, String csrfToken, String notice, String error) {
        Organization org = organizations.find(m.orgId()).orElseThrow(NotFoundException::new);
        List<String> models = organizations.knownModels().stream().filter(org::mayUse).toList();
        List<StoredFile> stored = files.list(m.orgId());
        Set<String> ids = stored.stream().map(StoredFile::id).collect(Collectors.toSet());
        List<FileRow> inputs = stored.stream().filter(f -> Files.REQUESTS.equals(f.sampleType())).map(FileRow::of)
                .toList();
        List<JobRow> shown = jobs.list(m.orgId(), SHOWN).stream().map(j -> JobRow.of(j, ids)).toList();
        String html = batchPage.data("org", org).data("jobs", shown).data("inputs", inputs)
                .data("models", models).data("endpoints", BatchCreation.ENDPOINTS.stream().sorted().toList())
                .data("maxSize", megabytes(config.fileMaxBytes().asLongValue())).data("maxLines", config.maxLines())
                .data("csrf", csrfToken).data("notice", notice).data("error", error).render();
        return Response.status(status).entity(html).type(MediaType.TEXT_HTML_TYPE).header("Cache-Control", "no-store");
    }

    /** The refusal's own status when it is the caller's to fix (4xx), else 503: a page never answers 500 for it. */
    private static int clientStatus(ApiError e) {
        return e.status() >= 400 && e.status() < 500 ? e.status() : 503;
    }

    private static String megabytes(long bytes) {
        return bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + " MB" : bytes + " bytes";
    }

    private static String fileName(String name) {
        return name == null || name.isBlank() ? "batch.jsonl" : name.length() > 200 ? name.substring(0, 200) : name;
    }

    /** A file name safe inside a quoted Content-Disposition value. */
    static String safeName(String name) {
        String safe = name == null ? "" : name.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.isEmpty() ? "file.jsonl" : safe;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
