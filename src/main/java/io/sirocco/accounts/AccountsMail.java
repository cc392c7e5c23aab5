package io.sirocco.accounts;

import io.quarkus.mailer.Mail;
import io.quarkus.mailer.Mailer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Instant;

/** The emails of the accounts flow (plain text). Links are built from {@code sirocco.accounts.public-url}. */
@ApplicationScoped
public class AccountsMail {

    @Inject
    Mailer mailer;
    @ConfigProperty(name = "sirocco.accounts.public-url", defaultValue = "http://localhost:8080")
    String publicUrl;

    public String link(String path) {
        return publicUrl.replaceAll("/+$", "") + path;
    }

    public void waitlistConfirmation(String to, String name, long position, String statusToken) {
        mailer.send(Mail.withText(to, "You are on the Sirocco waitlist", """
                Hello %s,

                thanks for your interest in Sirocco: you are on the waitlist (number %d in the queue).
                See your place at any time: %s
                (If you signed up more than once, only the link in the latest mail works.)

                We will email you an invitation when it is your turn.
                """.formatted(name, position, link("/waitlist/status/" + statusToken))));
    }

    public void teamInvitation(String to, String orgName, String inviter, String role, String token, Instant expiresAt) {
        mailer.send(Mail.withText(to, "Join " + orgName + " on Sirocco", """
                Hello,

                %s invites you to the organization "%s" on Sirocco, with the role %s.
                Accept here (the link works once, until %s):
                %s
                """.formatted(inviter, orgName, role, expiresAt, link("/invite/" + token))));
    }

    public void invitation(String to, String name, String token, Instant expiresAt) {
        mailer.send(Mail.withText(to, "Your invitation to Sirocco", """
                Hello %s,

                your Sirocco access is ready. Create your account here (the link works once, until %s):
                %s
                """.formatted(name, expiresAt, link("/invite/" + token))));
    }
}
