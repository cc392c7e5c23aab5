package io.sirocco.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.Mailer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.qute.TemplateData;
import io.quarkus.scheduler.Scheduled;
import io.sirocco.accounts.Member;
import io.sirocco.accounts.Organizations;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Budget alerts reach people: each alert the billing consumer records ({@code budget_alerts}) is planned once into
 * deliveries (an email to each owner of the org, and the org's webhook when one is set), and each delivery is tried
 * until it succeeds, with exponential backoff ({@code retry-base} × 2^(attempt−1)) up to {@code max-attempts}.
 * Webhook calls carry an HMAC-SHA256 signature ({@link WebhookSignature}) and a {@code Sirocco-Delivery} id that
 * stays the same across retries, so a receiver can drop duplicates. Several nodes share the work through row locks
 * ({@code skip locked}) and a lease on claimed deliveries. Every attempt's outcome is kept for the delivery log.
 */
@ApplicationScoped
public class AlertDeliveries {
    private static final Logger LOG = Logger.getLogger(AlertDeliveries.class);
    public static final String EMAIL = "email";
    public static final String WEBHOOK = "webhook";
    private static final int BATCH = 20;

    /** One delivery as the console's log shows it. */
    @TemplateData
    public record Delivery(UUID id, long alertId, String channel, String target, String status, int attempts,
                           String lastResult, Instant createdAt, Instant deliveredAt, Instant nextAttemptAt) {
    }

    private record Claimed(UUID id, UUID orgId, String channel, String target, String payload, int attempts) {
    }

    private record Alert(long id, UUID orgId, String scope, UUID scopeId, LocalDate period, int threshold,
                         BigDecimal spentEur, BigDecimal capEur, Instant at) {
    }

    @Inject
    AgroalDataSource db;
    @Inject
    Organizations organizations;
    @Inject
    Webhooks webhooks;
    @Inject
    Mailer mailer;
    @Inject
    ObjectMapper json;
    @ConfigProperty(name = "sirocco.alerts.retry-base", defaultValue = "30s")
    Duration retryBase;
    @ConfigProperty(name = "sirocco.alerts.max-attempts", defaultValue = "8")
    int maxAttempts;
    @ConfigProperty(name = "sirocco.alerts.webhook.timeout", defaultValue = "10s")
    Duration timeout;
    @ConfigProperty(name = "sirocco.accounts.public-url", defaultValue = "http://localhost:8080")
    String publicUrl;

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Scheduled(every = "${sirocco.alerts.poll-every:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        plan();
        deliverDue();
    }

    /** Turns newly recorded alerts into deliveries (once per alert, even with several nodes). Returns how many alerts. */
    public int plan() {
        return QuarkusTransaction.requiringNew().call(() -> {
            try (Connection c = db.getConnection()) {
                List<Alert> alerts = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("""
                        select id, org_id, scope, scope_id, period, threshold, spent_eur, cap_eur, created_at
                        from budget_alerts where notified_at is null order by id limit 100 for update skip locked""");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        alerts.add(new Alert(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3),
                                rs.getObject(4, UUID.class), rs.getObject(5, LocalDate.class), rs.getInt(6),
                                rs.getBigDecimal(7), rs.getBigDecimal(8), rs.getTimestamp(9).toInstant()));
                    }
                }
                for (Alert a : alerts) {
                    for (Member owner : organizations.members(a.orgId())) {
                        if (owner.isOwner()) {
                            insert(c, a, EMAIL, owner.email(), mailText(a));
                        }
                    }
                    var hook = webhooks.target(a.orgId());
                    if (hook.isPresent()) {
                        insert(c, a, WEBHOOK, hook.get().url(), null);
                    }
                    try (PreparedStatement ps = c.prepareStatement(
                            "update budget_alerts set notified_at = now() where id = ?")) {
                        ps.setLong(1, a.id());
                        ps.executeUpdate();
                    }
                }
                return alerts.size();
            }
        });
    }

    private void insert(Connection c, Alert a, String channel, String target, String payload) throws SQLException {
        UUID id = UUID.randomUUID();
        try (PreparedStatement ps = c.prepareStatement("""
                insert into alert_deliveries (id, alert_id, org_id, channel, target, payload) values (?,?,?,?,?,?)
                on conflict (alert_id, channel, target) do nothing""")) {
            ps.setObject(1, id);
            ps.setLong(2, a.id());
            ps.setObject(3, a.orgId());
            ps.setString(4, channel);
            ps.setString(5, target);
            ps.setString(6, payload != null ? payload : webhookBody(id, a));
            ps.executeUpdate();
        }
    }

    /** Tries every due delivery once; returns how many were tried. */
    public int deliverDue() {
        int tried = 0;
        List<Claimed> batch;
        do {
            batch = claim();
            for (Claimed d : batch) {
                attempt(d);
                tried++;
            }
        } while (batch.size() == BATCH);
        return tried;
    }

    /** Claims due deliveries: counts the attempt and leases them so that no other node tries them meanwhile. */
    private List<Claimed> claim() {
        String sql = """
                update alert_deliveries set attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ?)
                where id in (select id from alert_deliveries where status = 'pending' and next_attempt_at <= now()
                             order by next_attempt_at limit ? for update skip locked)
                returning id, org_id, channel, target, payload, attempts""";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setDouble(1, timeout.toSeconds() + 60.0);
            ps.setInt(2, BATCH);
            List<Claimed> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Claimed(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getInt(6)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("could not claim alert deliveries", e);
        }
    }

    private void attempt(Claimed d) {
        String result;
        boolean ok;
        try {
            if (EMAIL.equals(d.channel())) {
                int cut = d.payload().indexOf("\n\n");
                mailer.send(Mail.withText(d.target(), d.payload().substring(0, cut), d.payload().substring(cut + 2)));
                ok = true;
                result = "sent";
            } else {
                var hook = webhooks.target(d.orgId());
                if (hook.isEmpty() || !hook.get().url().equals(d.target())) {
                    finish(d, false, "webhook removed or changed", true);
                    return;
                }
                URI uri = webhooks.check(hook.get().url());
                HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout)
                        .header("Content-Type", "application/json")
                        .header("User-Agent", "Sirocco-Webhooks/1")
                        .header("Sirocco-Event", "budget.alert")
                        .header("Sirocco-Delivery", d.id().toString())
                        .header(WebhookSignature.HEADER, WebhookSignature.header(hook.get().secret(),
                                Instant.now().getEpochSecond(), d.payload()))
                        .POST(HttpRequest.BodyPublishers.ofString(d.payload())).build();
                int status = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
                ok = status >= 200 && status < 300;
                result = "HTTP " + status;
            }
        } catch (IllegalArgumentException e) {
            ok = false;
            result = e.getMessage();
        } catch (IOException | RuntimeException e) {
            ok = false;
            result = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ok = false;
            result = "interrupted";
        }
        finish(d, ok, result, false);
    }

    private void finish(Claimed d, boolean ok, String result, boolean giveUp) {
        String clipped = result.length() > 500 ? result.substring(0, 500) : result;
        boolean last = giveUp || d.attempts() >= maxAttempts;
        String sql = ok
                ? "update alert_deliveries set status = 'delivered', delivered_at = now(), last_result = ? where id = ?"
                : last ? "update alert_deliveries set status = 'failed', last_result = ? where id = ?"
                : "update alert_deliveries set last_result = ?, next_attempt_at = now() + make_interval(secs => ?) where id = ?";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, clipped);
            if (!ok && !last) {
                ps.setDouble(2, backoff(d.attempts()).toMillis() / 1000.0);
                ps.setObject(3, d.id());
            } else {
                ps.setObject(2, d.id());
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not record an alert delivery", e);
        }
        if (!ok) {
            LOG.infof("alert delivery %s (%s) attempt %d failed: %s%s", d.id(), d.channel(), d.attempts(), clipped,
                    last ? "; giving up" : "");
        }
    }

    /** The wait after the n-th failed attempt: retry-base × 2^(n−1). */
    Duration backoff(int attempts) {
        return retryBase.multipliedBy(1L << Math.min(20, Math.max(0, attempts - 1)));
    }

    /** The org's latest deliveries, newest first (the console's delivery log). */
    public List<Delivery> log(UUID orgId, int limit) {
        String sql = """
                select id, alert_id, channel, target, status, attempts, last_result, created_at, delivered_at,
                       next_attempt_at
                from alert_deliveries where org_id = ? order by created_at desc, id limit ?""";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, orgId);
            ps.setInt(2, limit);
            List<Delivery> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Delivery(rs.getObject(1, UUID.class), rs.getLong(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getInt(6), rs.getString(7), ts(rs, 8), ts(rs, 9), ts(rs, 10)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("could not read alert deliveries", e);
        }
    }

    private String webhookBody(UUID deliveryId, Alert a) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "budget.alert");
        body.put("delivery_id", deliveryId.toString());
        body.put("alert_id", a.id());
        body.put("org_id", a.orgId().toString());
        body.put("scope", a.scope());
        body.put("scope_id", a.scopeId().toString());
        body.put("period", a.period().toString());
        body.put("threshold_percent", a.threshold());
        body.put("spent_eur", a.spentEur().toPlainString());
        body.put("cap_eur", a.capEur().toPlainString());
        body.put("created_at", a.at().toString());
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private String mailText(Alert a) {
        String what = "org".equals(a.scope()) ? "your organization's monthly spend cap" : "the monthly cap of key " + a.scopeId();
        return "Sirocco budget alert: " + a.threshold() + "% of " + ("org".equals(a.scope()) ? "your cap" : "a key's cap")
                + "\n\nHello,\n\n" + what + " has reached " + a.threshold() + "% for the month starting " + a.period()
                + ": € " + a.spentEur().stripTrailingZeros().toPlainString() + " spent of € "
                + a.capEur().stripTrailingZeros().toPlainString() + "."
                + (a.threshold() >= 100 ? "\nRequests over the cap are refused until the cap is raised or the month ends." : "")
                + "\n\nUsage and caps: " + publicUrl.replaceAll("/+$", "") + "/console/usage\n";
    }

    private static Instant ts(ResultSet rs, int i) throws SQLException {
        Timestamp t = rs.getTimestamp(i);
        return t == null ? null : t.toInstant();
    }
}
