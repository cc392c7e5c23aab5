package io.sirocco.console;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.sirocco.accounts.AccountsException;
import io.sirocco.accounts.CreatedKey;
import io.sirocco.accounts.KeyView;
import io.sirocco.accounts.Member;
import io.sirocco.accounts.Organization;
import io.sirocco.accounts.Organizations;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The console as JSON, for members of an org (Keycloak role {@code customer}, bearer access token). Every route takes
 * the org id and checks the caller's membership: another org's ids answer 404.
 */
@Path("/api/console/orgs")
@RolesAllowed("customer")
@Produces(MediaType.APPLICATION_JSON)
public class ConsoleApi {

    @Inject
    ConsoleCaller caller;
    @Inject
    ConsoleKeys keys;
    @Inject
    Organizations organizations;

    public record CreateKeyBody(String name, @JsonProperty("expires_at") String expiresAt,
                                @JsonProperty("allowed_models") List<String> allowedModels) {
    }

    public record RotateBody(@JsonProperty("grace_seconds") Long graceSeconds) {
    }

    @GET
    public List<Map<String, Object>> myOrgs() {
        return caller.memberships().stream().map(m -> org(keys.org(m), m)).toList();
    }

    @GET
    @Path("{orgId}")
    public Map<String, Object> org(@PathParam("orgId") UUID orgId) {
        Member m = caller.of(orgId);
        return org(keys.org(m), m);
    }

    @GET
    @Path("{orgId}/members")
    public List<Map<String, Object>> members(@PathParam("orgId") UUID orgId) {
        Member m = caller.of(orgId);
        return organizations.members(m.orgId()).stream().map(x -> {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("user_id", x.userId());
            j.put("email", x.email());
            j.put("role", x.role());
            j.put("joined_at", x.joinedAt());
            return j;
        }).toList();
    }

    @GET
    @Path("{orgId}/keys")
    public List<Map<String, Object>> listKeys(@PathParam("orgId") UUID orgId) {
        return keys.list(caller.of(orgId)).stream().map(ConsoleApi::key).toList();
    }

    @GET
    @Path("{orgId}/keys/{keyId}")
    public Map<String, Object> getKey(@PathParam("orgId") UUID orgId, @PathParam("keyId") UUID keyId) {
        return key(keys.get(caller.of(orgId), keyId));
    }

    @POST
    @Path("{orgId}/keys")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response createKey(@PathParam("orgId") UUID orgId, CreateKeyBody body) {
        Member m = caller.of(orgId);
        if (body == null) {
            throw AccountsException.invalid(null, "A JSON body with a name is required.");
        }
        CreatedKey created = keys.create(m, caller.actor(), body.name(), body.expiresAt(), body.allowedModels());
        return Response.status(201).header("Cache-Control", "no-store").entity(created(m, created)).build();
    }

    @POST
    @Path("{orgId}/keys/{keyId}/revoke")
    public Map<String, Object> revoke(@PathParam("orgId") UUID orgId, @PathParam("keyId") UUID keyId) {
        return key(keys.revoke(caller.of(orgId), keyId, caller.actor()));
    }

    @POST
    @Path("{orgId}/keys/{keyId}/rotate")
    public Response rotate(@PathParam("orgId") UUID orgId, @PathParam("keyId") UUID keyId, RotateBody body) {
        Member m = caller.of(orgId);
        long grace = body == null || body.graceSeconds() == null ? 0 : body.graceSeconds();
        CreatedKey created = keys.rotate(m, keyId, Duration.ofSeconds(grace), caller.actor());
        return Response.status(201).header("Cache-Control", "no-store").entity(created(m, created)).build();
    }

    /** The one response that carries the secret. */
    private Map<String, Object> created(Member m, CreatedKey c) {
        Map<String, Object> j = key(keys.get(m, c.keyId()));
        j.put("key", c.secret());
        return j;
    }

    static Map<String, Object> key(KeyView k) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", k.id());
        j.put("org_id", k.orgId());
        j.put("name", k.name());
        j.put("prefix", k.prefix());
        j.put("status", k.status());
        j.put("allowed_models", k.allowedModels());
        j.put("created_at", k.createdAt());
        j.put("last_used_at", k.lastUsedAt());
        j.put("expires_at", k.expiresAt());
        j.put("revoked_at", k.revokedAt());
        j.put("rotated_to", k.rotatedTo());
        return j;
    }

    static Map<String, Object> org(Organization o, Member m) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", o.id());
        j.put("name", o.name());
        j.put("role", m.role());
        j.put("plan", o.plan());
        j.put("rpm_limit", o.rpmLimit());
        j.put("tpm_limit", o.tpmLimit());
        j.put("allowed_models", o.allowedModels());
        return j;
    }
}
