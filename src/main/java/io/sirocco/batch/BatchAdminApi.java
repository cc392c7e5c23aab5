package io.sirocco.batch;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Admins' view of batch work (Keycloak role {@code admin}): what is queued per model, and the global pause. */
@Path("/api/admin/batch")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class BatchAdminApi {
    @Inject
    BatchJobs jobs;

    public record PauseBody(boolean paused) {
    }

    @GET
    public Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("paused", jobs.globallyPaused());
        List<Map<String, Object>> models = jobs.queuedPerModel().stream().map(q -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", q.model());
            m.put("queued_lines", q.lines());
            m.put("queued_tokens", q.tokens());
            return m;
        }).toList();
        out.put("queued", models);
        return out;
    }

    /** Pauses ({@code true}) or resumes all batch work: running lines finish, no new line starts while paused. */
    @POST
    @Path("/pause")
    public Map<String, Object> pause(PauseBody body) {
        jobs.pauseAll(body != null && body.paused());
        return status();
    }
}
