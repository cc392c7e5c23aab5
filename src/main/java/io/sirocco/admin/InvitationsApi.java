package io.sirocco.admin;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.security.identity.SecurityIdentity;
import io.sirocco.accounts.AccountEvent;
import io.sirocco.accounts.AccountsException;
import io.sirocco.accounts.AuditLog;
import io.sirocco.accounts.Invitation;
import io.sirocco.accounts.Invitations;
import io.sirocco.accounts.Member;
import io.sirocco.accounts.Organization;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.SentInvitation;
import io.sirocco.accounts.Waitlist;
import io.sirocco.accounts.WaitlistEntry;
import io.sirocco.accounts.web.Actors;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The admin JSON API (Keycloak role {@code admin}, bearer access token): waitlist, invitations, org plans, audit. */
@Path("/api/admin")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class InvitationsApi {

    @Inject
    SecurityIdentity identity;
    @Inject
    Waitlist waitlist;
    @Inject
    Invitations invitations;
    @Inject
    Organizations organizations;
    @Inject
    AuditLog audit;

    /** Either {@code count} (invite the next N in signup order) or {@code entry_ids} (these entries). */
    public record InviteBody(Integer count, @JsonProperty("entry_ids") List<UUID> entryIds) {
    }

    public record PlanBody(String plan, @JsonProperty("rpm_limit") Integer rpmLimit,
                           @JsonProperty("tpm_limit") Integer tpmLimit,
                           @JsonProperty("allowed_models") List<String> allowedModels) {
    }

    @GET
    @Path("waitlist")
    public List<Map<String, Object>> waitlist(@QueryParam("status") String status,
                                              @QueryParam("limit") @DefaultValue("500") int limit) {
        return waitlist.list(status, Math.clamp(limit, 1, 5000)).stream().map(InvitationsApi::entry).toList();
    }

    @POST
    @Path("invitations")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response invite(InviteBody body) {
        if (body == null || (body.count() == null) == (body.entryIds() == null)) {
            throw AccountsException.invalid(null, "Send either count or entry_ids.");
        }
        List<SentInvitation> sent = body.count() != null
                ? invitations.inviteNext(body.count(), Actors.of(identity))
                : invitations.inviteSelected(body.entryIds(), Actors.of(identity));
        return Response.status(201).entity(sent.stream().map(s -> invitation(s.invitation())).toList()).build();
    }

    @GET
    @Path("invitations")
    public List<Map<String, Object>> invitations(@QueryParam("limit") @DefaultValue("100") int limit) {
        return invitations.latest(Math.clamp(limit, 1, 5000)).stream().map(InvitationsApi::invitation).toList();
    }

    @POST
    @Path("invitations/{id}/revoke")
    public Map<String, Object> revoke(@PathParam("id") UUID id) {
        return invitation(invitations.revoke(id, Actors.of(identity)));
    }

    @GET
    @Path("orgs")
    public List<Map<String, Object>> orgs() {
        return organizations.all().stream().map(o -> org(o, organizations.members(o.id()))).toList();
    }

    @PUT
    @Path("orgs/{id}/plan")
    @Consumes(MediaType.APPLICATION_JSON)
    public Map<String, Object> changePlan(@PathParam("id") UUID id, PlanBody body) {
        if (body == null || body.plan() == null) {
            throw AccountsException.invalid("plan", "plan is required.");
        }
        Organization o = organizations.changePlan(id, body.plan(), body.rpmLimit(), body.tpmLimit(),
                body.allowedModels(), Actors.of(identity));
        return org(o, organizations.members(id));
    }

    @GET
    @Path("audit")
    public List<AccountEvent> audit(@QueryParam("subject") String subject,
                                    @QueryParam("limit") @DefaultValue("100") int limit) {
        return audit.latest(subject, Math.clamp(limit, 1, 1000));
    }

    static Map<String, Object> entry(WaitlistEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("email", e.email());
        m.put("name", e.name());
        m.put("company", e.company());
        m.put("intended_use", e.intendedUse());
        m.put("status", e.status());
        m.put("position", e.position());
        m.put("created_at", e.createdAt());
        return m;
    }

    static Map<String, Object> invitation(Invitation i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", i.id());
        m.put("entry_id", i.entryId());
        m.put("email", i.email());
        m.put("status", i.status());
        m.put("invited_by", i.invitedBy());
        m.put("created_at", i.createdAt());
        m.put("expires_at", i.expiresAt());
        m.put("accepted_at", i.acceptedAt());
        m.put("revoked_at", i.revokedAt());
        m.put("org_id", i.orgId());
        return m;
    }

    static Map<String, Object> org(Organization o, List<Member> members) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", o.id());
        m.put("name", o.name());
        m.put("plan", o.plan());
        m.put("rpm_limit", o.rpmLimit());
        m.put("tpm_limit", o.tpmLimit());
        m.put("allowed_models", o.allowedModels());
        m.put("members", members.stream().map(x -> Map.of("email", x.email(), "role", x.role())).toList());
        m.put("created_at", o.createdAt());
        return m;
    }
}
