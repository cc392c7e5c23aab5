package io.sirocco.alerts;

import io.agroal.api.AgroalDataSource;
import io.quarkus.qute.TemplateData;
import io.sirocco.accounts.AccountEvent;
import io.sirocco.accounts.AuditLog;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * An org's alert webhook: its URL and signing secret. Setting a URL makes a new secret, shown once. Unless
 * {@code sirocco.alerts.webhook.allow-private-addresses} is set, a URL whose host resolves to a loopback, private,
 * link-local or wildcard address is refused (here and again before each call), so an org cannot make the service
 * call its own internal network.
 */
@ApplicationScoped
public class Webhooks {
    public static final int URL_MAX = 2000;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A webhook as pages show it (never its secret). */
    @TemplateData
    public record Webhook(UUID orgId, String url, String updatedBy, Instant updatedAt) {
    }

    /** What setting a webhook returns: the only time its secret is shown. */
    public record Saved(Webhook webhook, String secret) {
    }

    /** A webhook with its stored secret; {@link #secret()} opens it for signing ({@link WebhookSecretSeal}). */
    record Target(UUID orgId, String url, String stored, WebhookSecretSeal seal) {
        String secret() {
            return seal.open(orgId, stored);
        }
    }

    @Inject
    AgroalDataSource db;
    @Inject
    AuditLog audit;
    @Inject
    WebhookSecretSeal seal;
    @ConfigProperty(name = "sirocco.alerts.webhook.allow-private-addresses", defaultValue = "false")
    boolean allowPrivate;

    public Optional<Webhook> find(UUID orgId) {
        String sql = "select url, updated_by, updated_at from alert_webhooks where org_id = ?";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Webhook(orgId, rs.getString(1), rs.getString(2),
                        rs.getTimestamp(3).toInstant())) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the webhook", e);
        }
    }

    Optional<Target> target(UUID orgId) {
        String sql = "select url, secret from alert_webhooks where org_id = ?";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Target(orgId, rs.getString(1), rs.getString(2), seal))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the webhook", e);
        }
    }

    /** Sets the org's webhook URL with a new secret (400 for a URL that cannot be called). */
    public Saved save(UUID orgId, String url, String actor) {
        URI uri = check(url);
        String secret = "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(32));
        String sql = """
                insert into alert_webhooks (org_id, url, secret, updated_by) values (?,?,?,?)
                on conflict (org_id) do update set url = excluded.url, secret = excluded.secret,
                    updated_by = excluded.updated_by, updated_at = now()""";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, orgId);
            ps.setString(2, uri.toString());
            ps.setString(3, seal.seal(orgId, secret));
            ps.setString(4, actor);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not save the webhook", e);
        }
        audit.record(AccountEvent.of("alerts.webhook_set", actor, uri.getHost(), orgId, "new signing secret"));
        return new Saved(find(orgId).orElseThrow(), secret);
    }

    public boolean remove(UUID orgId, String actor) {
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("delete from alert_webhooks where org_id = ?")) {
            ps.setObject(1, orgId);
            boolean removed = ps.executeUpdate() > 0;
            if (removed) {
                audit.record(AccountEvent.of("alerts.webhook_removed", actor, null, orgId, null));
            }
            return removed;
        } catch (SQLException e) {
            throw new IllegalStateException("could not remove the webhook", e);
        }
    }

    /** The URL as a callable http(s) URI, or an IllegalArgumentException saying why not. */
    URI check(String url) {
        String u = url == null ? "" : url.strip();
        if (u.isEmpty() || u.length() > URL_MAX) {
            throw new IllegalArgumentException("The webhook URL is required (at most " + URL_MAX + " characters).");
        }
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("The webhook URL is not a valid URL.");
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) && !"http".equalsIgnoreCase(uri.getScheme())
                || uri.getHost() == null || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("The webhook URL must be http(s)://host/… without a user name.");
        }
        if (!allowPrivate) {
            try {
                for (InetAddress a : InetAddress.getAllByName(uri.getHost())) {
                    if (a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress()
                            || a.isAnyLocalAddress() || a.isMulticastAddress()) {
                        throw new IllegalArgumentException("The webhook host " + uri.getHost()
                                + " is a private address; use a public URL.");
                    }
                }
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("The webhook host " + uri.getHost() + " does not resolve.");
            }
        }
        return uri;
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
