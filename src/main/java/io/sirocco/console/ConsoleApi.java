package io.sirocco.console;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.sirocco.accounts.AccountsException;
import io.sirocco.accounts.CreatedKey;
import io.sirocco.accounts.Invitation;
import io.sirocco.accounts.Teams;
import io.sirocco.alerts.AlertDeliveries;
import io.sirocco.alerts.Webhooks;
import io.sirocco.billing.UsageExport;
import io.sirocco.accounts.KeyView;
import io.sirocco.accounts.Member;
import io.sirocco.accounts.Organization;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.Permission;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The console as JSON, for members of an org (Keycloak role {@code customer}, bearer access token). Every route takes
 * the org id and checks the caller's membership (another org's ids answer 404) and that their role has the route's
 * {@link Permission} (403 otherwise).
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
    @Inject
    Teams teams;
    @Inject
    UsageExport exports;
    @Inject
    Webhooks webhooks;
    @Inject
    AlertDeliveries deliveries;

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
        return organizations.members(m.orgId()).stream().map(ConsoleApi::member).toList();
    }

    public record InviteBody(String email, String role) {
    }

    public record RoleBody(String role) {
    }

    public record RemoveBody(@JsonProperty("transfer_to") String transferTo) {
    }

    @GET
    @Path("{orgId}/invitations")
    public List<Map<String, Object>> invitations(@PathParam("orgId") UUID orgId) {
        return teams.pending(caller.of(orgId, Permission.TEAM).orgId()).stream().map(ConsoleApi::invitation).toList();
    }

    @POST
    @Path("{orgId}/invitations")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response invite(@PathParam("orgId") UUID orgId, InviteBody body) {
        Member m = caller.of(orgId, Permission.TEAM);
        if (body == null) {
            throw AccountsException.invalid(null, "A JSON body with email and role is required.");
        }
        return Response.status(201).entity(invitation(teams.invite(m.orgId(), body.email(), body.role(),
                caller.actor()))).build();
    }

    @POST
    @Path("{orgId}/invitations/{id}/withdraw")
    public Map<String, Object> withdraw(@PathParam("orgId") UUID orgId, @PathParam("id") UUID id) {
        return invitation(teams.withdraw(caller.of(orgId, Permission.TEAM).orgId(), id, caller.actor()));
    }

    @POST
    @Path("{orgId}/members/{userId}/role")
    @Consumes(MediaType.APPLICATION_JSON)
    public Map<String, Object> changeRole(@PathParam("orgId") UUID orgId, @PathParam("userId") String userId,
                                          RoleBody body) {
        Member m = caller.of(orgId, Permission.TEAM);
        return member(teams.changeRole(m.orgId(), userId, body == null ? null : body.role(), caller.actor()));
    }

    @POST
    @Path("{orgId}/members/{userId}/remove")
    public Map<String, Object> remove(@PathParam("orgId") UUID orgId, @PathParam("userId") String userId,
                                      RemoveBody body) {
        Member m = caller.of(orgId, Permission.TEAM);
        Teams.Removal r = teams.remove(m.orgId(), userId, body == null ? null : body.transferTo(), caller.actor());
        Map<String, Object> j = member(r.removed());
        j.put("revoked_keys", r.revokedKeys());
        j.put("transferred_keys", r.transferredKeys());
        j.put("transferred_to", r.transferredTo() == null ? null : r.transferredTo().userId());
        return j;
    }

    static Map<String, Object> member(Member x) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("user_id", x.userId());
        j.put("email", x.email());
        j.put("role", x.role());
        j.put("joined_at", x.joinedAt());
        return j;
    }

    static Map<String, Object> invitation(Invitation i) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", i.id());
        j.put("email", i.email());
        j.put("role", i.role());
        j.put("status", i.status());
        j.put("invited_by", i.invitedBy());
        j.put("expires_at", i.expiresAt());
        return j;
    }

    /** The org's usage as CSV (day × model × key, exact cost); {@code from}/{@code to} are inclusive UTC days. */
    @GET
    @Path("{orgId}/usage/export")
    @Produces("text/csv")
    public Response usageExport(@PathParam("orgId") UUID orgId, @QueryParam("from") String from,
                                @QueryParam("to") String to) {
        Member m = caller.of(orgId, Permission.USAGE);
        try {
            return UsagePageResource.csv(exports, m.orgId(), from, to);
        } catch (IllegalArgumentException e) {
            throw AccountsException.invalid(null, e.getMessage());
        }
    }

    public record WebhookBody(String url) {
    }

    /** The alert delivery log, newest first. */
    @GET
    @Path("{orgId}/alerts/deliveries")
    public List<Map<String, Object>> alertDeliveries(@PathParam("orgId") UUID orgId) {
        return deliveries.log(caller.of(orgId, Permission.USAGE).orgId(), 100).stream().map(d -> {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("id", d.id());
            j.put("alert_id", d.alertId());
            j.put("channel", d.channel());
            j.put("target", d.target());
            j.put("status", d.status());
            j.put("attempts", d.attempts());
            j.put("last_result", d.lastResult());
            j.put("created_at", d.createdAt());
            j.put("delivered_at", d.deliveredAt());
            j.put("next_attempt_at", d.nextAttemptAt());
            return j;
        }).toList();
    }

    /** Sets the alert webhook; the response carries its new signing secret, the only time it is shown. */
    @PUT
    @Path("{orgId}/alerts/webhook")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response setWebhook(@PathParam("orgId") UUID orgId, WebhookBody body) {
        Member m = caller.of(orgId, Permission.BUDGETS);
        try {
            Webhooks.Saved saved = webhooks.save(m.orgId(), body == null ? null : body.url(), caller.actor());
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("url", saved.webhook().url());
            j.put("secret", saved.secret());
            j.put("updated_at", saved.webhook().updatedAt());
            return Response.ok(j).header("Cache-Control", "no-store").build();
        } catch (IllegalArgumentException e) {
            throw AccountsException.invalid("url", e.getMessage());
        }
    }

    @DELETE
    @Path("{orgId}/alerts/webhook")
    public Response removeWebhook(@PathParam("orgId") UUID orgId) {
        Member m = caller.of(orgId, Permission.BUDGETS);
        return Response.status(webhooks.remove(m.orgId(), caller.actor()) ? 204 : 404).build();
    }

    @GET
    @Path("{orgId}/keys")
    public List<Map<String, Object>> listKeys(@PathParam("orgId") UUID orgId) {
        return keys.list(caller.of(orgId, Permission.KEYS)).stream().map(ConsoleApi::key).toList();
    }

    @GET
    @Path("{orgId}/keys/{keyId}")
    public Map<String, Object> getKey(@PathParam("orgId") UUID orgId, @PathParam("keyId") UUID keyId) {
        return key(keys.get(caller.of(orgId, Permission.KEYS), keyId));
    }

    @POST
    @Path("{orgId}/keys")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response createKey(@PathParam("orgId") UUID orgId, CreateKeyBody body) {
        Member m = caller.of(orgId, Permission.KEYS);
        if (body == null) {
            throw AccountsException.invalid(null, "A JSON body with a name is required.");
        }
        CreatedKey created = keys.create(m, caller.actor(), body.name(), body.expiresAt(), body.allowedModels());
        return Response.status(201).header("Cache-Control", "no-store").entity(created(m, created)).build();
    }

    @POST
    @Path("{orgId}/keys/{keyId}/revoke")
    public Map<String, Object> revoke(@PathParam("orgId") UUID orgId, @PathParam("keyId") UUID keyId) {
        return key(keys.revoke(caller.of(orgId, Permission.KEYS), keyId, caller.actor()));
    }

    @POST
    @Path("{orgId}/keys/{keyId}/rotate")
    public Response rotate(@PathParam("orgId") UUID orgId, @PathParam("keyId") UUID keyId, RotateBody body) {
        Member m = caller.of(orgId, Permission.KEYS);
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
