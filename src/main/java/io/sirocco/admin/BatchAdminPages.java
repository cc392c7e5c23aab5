package io.sirocco.admin;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateData;
import io.sirocco.accounts.Organization;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.web.Csrf;
import io.sirocco.batch.BatchJob;
import io.sirocco.batch.BatchJobs;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestForm;

import java.net.URI;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code /admin/batch} (Keycloak role {@code admin}): the queued batch work per model, whether batch work is paused,
 * a pause/resume button, and every organization's latest jobs. It reads and pauses through {@link BatchJobs}, as
 * {@code /api/admin/batch} does; pausing lets running lines finish and starts no new one until resumed.
 */
@Path("/admin/batch")
@RolesAllowed("admin")
@Produces(MediaType.TEXT_HTML)
public class BatchAdminPages {
    /** Each organization's latest jobs the page shows, and the most it shows in all. */
    static final int PER_ORG = 20;
    static final int SHOWN = 200;
    private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    @Inject
    BatchJobs jobs;
    @Inject
    Organizations organizations;
    @Inject
    Csrf csrf;
    @Inject
    @Location("admin/batch.html")
    Template batchPage;

    /** A job with its organization's name. */
    @TemplateData
    public record Row(String id, String org, String createdAt, String endpoint, String model, String status,
                      int total, int succeeded, int failed, String cost, String pauseReason) {
    }

    /** Unanswered lines of open jobs for one model. */
    @TemplateData
    public record QueueRow(String model, long lines, long tokens) {
    }

    @GET
    public Response page(@CookieParam(Csrf.COOKIE) String csrfCookie) {
        String token = csrf.token(csrfCookie);
        List<Row> rows = new ArrayList<>();
        List<BatchJob> all = new ArrayList<>();
        for (Organization o : organizations.all()) {
            for (BatchJob j : jobs.list(o.id(), PER_ORG)) {
                all.add(j);
                rows.add(new Row(j.id(), o.name(), MINUTES.format(j.createdAt()), j.endpoint(),
                        j.model() == null ? "per line" : j.model(), j.state().replace('_', ' '), j.total(),
                        j.succeeded(), j.failed(), j.costEur().stripTrailingZeros().toPlainString(), j.pauseReason()));
            }
        }
        rows.sort(Comparator.comparing(Row::createdAt).reversed().thenComparing(Row::id));
        long open = all.stream().filter(BatchJob::open).count();
        String html = batchPage.data("paused", jobs.globallyPaused()).data("queued", jobs.queuedPerModel().stream()
                        .map(q -> new QueueRow(q.model(), q.lines(), q.tokens())).toList())
                .data("jobs", rows.size() > SHOWN ? rows.subList(0, SHOWN) : rows).data("open", open)
                .data("perOrg", PER_ORG).data("csrf", token).render();
        return Response.ok(html, MediaType.TEXT_HTML_TYPE).header("Cache-Control", "no-store")
                .cookie(csrf.cookie(token)).build();
    }

    /** {@code paused=true} pauses all batch work, {@code false} resumes it. */
    @POST
    @Path("pause")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response pause(@CookieParam(Csrf.COOKIE) String csrfCookie, @RestForm(Csrf.FIELD) String csrfField,
                          @RestForm("paused") String paused) {
        csrf.verify(csrfCookie, csrfField);
        if (!"true".equals(paused) && !"false".equals(paused)) {
            return Response.status(400).type(MediaType.TEXT_PLAIN_TYPE).entity("paused must be true or false").build();
        }
        jobs.pauseAll(Boolean.parseBoolean(paused));
        return Response.seeOther(URI.create("/admin/batch")).build();
    }
}
