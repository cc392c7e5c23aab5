package io.sirocco.admin;

import io.quarkus.mailer.MockMailbox;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateData;
import io.quarkus.qute.TemplateInstance;
import io.sirocco.accounts.Text;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.List;

/**
 * Only while mail is mocked (no SMTP configured, e.g. {@code ./sirocco run} out of the box): lets an admin read the
 * mails sent to one address, so an invitation can be handed over by hand. 404 when real mail is configured.
 */
@TemplateData(target = io.quarkus.mailer.Mail.class)
@Path("/admin/outbox")
@RolesAllowed("admin")
@Produces(MediaType.TEXT_HTML)
public class InvitationsOutbox {

    @Inject
    MockMailbox mailbox;
    @ConfigProperty(name = "quarkus.mailer.mock", defaultValue = "false")
    boolean mock;
    @Inject
    @Location("admin/invitations-outbox.html")
    Template page;

    @GET
    public TemplateInstance outbox(@QueryParam("to") String to) {
        if (!mock) {
            throw new NotFoundException();
        }
        String email = Text.normalizeEmail(to);
        List<?> mails = email == null ? List.of() : mailbox.getMailsSentTo(email);
        return page.data("to", email).data("mails", mails);
    }
}
