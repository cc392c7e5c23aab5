package io.sirocco.accounts;

import io.quarkus.qute.TemplateData;

import java.time.Instant;
import java.util.UUID;

/**
 * A waitlist entry. {@code position} is its place among the people still waiting (1 = next), or 0 once it is no
 * longer waiting.
 */
@TemplateData
public record WaitlistEntry(UUID id, long seq, String email, String name, String company, String intendedUse,
                            String status, Instant createdAt, long position) {
    public static final String WAITING = "waiting";
    public static final String INVITED = "invited";
    public static final String ACCEPTED = "accepted";
    public static final String REVOKED = "revoked";
}
