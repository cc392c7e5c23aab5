package io.sirocco.admin;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateData;
import io.sirocco.accounts.Organization;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.web.CsrfForm;
import io.sirocco.accounts.web.CsrfPage;
import io.sirocco.batch.BatchJob;
import io.sirocco.batch.BatchJobs;
import io.sirocco.http.PageTimes;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestForm;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * {@code /admin/batch} (Keycloak role {@code admin}): the queued batch work per model, whether batch work is paused,
 * a pause/resume button, and every organization's latest jobs (one query for all organizations). It reads and pauses through {@link BatchJobs}, as
 * {@code /api/admin/batch} does; pausing lets running lines finish and starts no new one until resumed.
 */
@Path("/admin/batch")
@RolesAllowed("admin")
@Produces(MediaType.TEXT_HTML)
public class BatchAdminPages {
    /** Each organization's latest jobs the page shows, and the most it shows in all. */
    static final int PER_ORG = 20;
    static final int SHOWN = 200;

    @Inject
    BatchJobs jobs;
    @Inject
    Organizations organizations;
    @Inject
    CsrfPage pages;
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
    public Response page() {
        return pages.show(this::render);
    }

    private Response.ResponseBuilder render(String csrfToken) {
        Map<UUID, String> orgNames = organizations.all().stream()
                .collect(Collectors.toMap(Organization::id, Organization::name));
        List<BatchJob> latest = jobs.latestPerOrg(PER_ORG);
        List<Row> rows = latest.stream().limit(SHOWN).map(j -> new Row(j.id(),
                orgNames.getOrDefault(j.orgId(), j.orgId().toString()), PageTimes.minutes(j.createdAt()), j.endpoint(),
                j.model() == null ? "per line" : j.model(), j.state().replace('_', ' '), j.total(), j.succeeded(),
                j.failed(), j.costEur().stripTrailingZeros().toPlainString(), j.pauseReason())).toList();
        String html = batchPage.data("paused", jobs.globallyPaused()).data("queued", jobs.queuedPerModel().stream()
                        .map(q -> new QueueRow(q.model(), q.lines(), q.tokens())).toList())
                .data("jobs", rows).data("open", latest.stream().filter(BatchJob::open).count())
                .data("perOrg", PER_ORG).data("csrf", csrfToken).render();
        return Response.ok(html, MediaType.TEXT_HTML_TYPE).header("Cache-Control", "no-store");
    }

    /** {@code paused=true} pauses all batch work, {@code false} resumes it. */
    @POST
    @Path("pause")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response pause(@BeanParam CsrfForm form, @RestForm("paused") String paused) {
        pages.verify(form);
        if (!"true".equals(paused) && !"false".equals(paused)) {
            return Response.status(400).type(MediaType.TEXT_PLAIN_TYPE).entity("paused must be true or false").build();
        }
        jobs.pauseAll(Boolean.parseBoolean(paused));
        return Response.seeOther(URI.create("/admin/batch")).build();
    }
}
