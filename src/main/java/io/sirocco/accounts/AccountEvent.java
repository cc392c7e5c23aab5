package io.sirocco.accounts;

import io.quarkus.qute.TemplateData;

import java.time.Instant;
import java.util.UUID;

/**
 * Something that changed who may use the platform, published on {@code waitlist-events} and kept in the audit log.
 * Never carries a secret (tokens, keys, passwords).
 *
 * @param type    e.g. {@code waitlist.signup}, {@code invitation.sent}, {@code invitation.accepted}
 * @param actor   who did it: an email, a Keycloak user name, or {@code anonymous}
 * @param subject what it is about, usually an email
 */
@TemplateData
public record AccountEvent(UUID eventId, String type, String actor, String subject, UUID orgId, String detail,
                           Instant at) {
    public static final String SIGNUP = "waitlist.signup";
    public static final String INVITE = "invitation.sent";
    public static final String ACCEPT = "invitation.accepted";
    public static final String REVOKE = "invitation.revoked";
    public static final String KEY_CREATED = "key.created";
    public static final String KEY_REVOKED = "key.revoked";
    public static final String KEY_ROTATED = "key.rotated";
    public static final String PLAN_CHANGED = "org.plan_changed";
    public static final String MEMBER_INVITED = "member.invited";
    public static final String MEMBER_JOINED = "member.joined";
    public static final String MEMBER_ROLE_CHANGED = "member.role_changed";
    public static final String MEMBER_REMOVED = "member.removed";
    public static final String MEMBER_INVITATION_REVOKED = "member.invitation_revoked";

    public static AccountEvent of(String type, String actor, String subject, UUID orgId, String detail) {
        return new AccountEvent(UUID.randomUUID(), type, actor, subject, orgId, detail, Instant.now());
    }
}
