package io.sirocco.accounts;

import io.quarkus.mailer.Mail;
import io.quarkus.mailer.MockMailbox;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test-only (src/test): lets the Node browser test read the mailed links (invitation, waitlist status). */
@Path("/_test/mailbox")
public class MailboxTestResource {
    private static final Pattern LINK = Pattern.compile("/invite/[A-Za-z0-9_-]{43}");
    private static final Pattern STATUS_LINK = Pattern.compile("/waitlist/status/[A-Za-z0-9_-]{43}");

    @Inject
    MockMailbox mailbox;

    @GET
    @Path("invitation")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, String> invitation(@QueryParam("to") String to) {
        return latest(to, LINK);
    }

    @GET
    @Path("status")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, String> status(@QueryParam("to") String to) {
        return latest(to, STATUS_LINK);
    }

    private Map<String, String> latest(String to, Pattern link) {
        List<Mail> mails = mailbox.getMailsSentTo(to);
        for (int i = mails.size() - 1; i >= 0; i--) {
            Matcher m = link.matcher(mails.get(i).getText());
            if (m.find()) {
                return Map.of("path", m.group());
            }
        }
        throw new NotFoundException();
    }
}
