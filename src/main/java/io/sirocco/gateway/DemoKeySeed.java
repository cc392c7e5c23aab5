package io.sirocco.gateway;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.StartupEvent;
import io.sirocco.accounts.KeySecrets;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/**
 * Seeds the demo organization and its API key from {@code sirocco.demo.api-key} (SIROCCO_DEMO_API_KEY), which
 * {@code ./sirocco run} generates into {@code data/demo-api-key}. Only the key's hash is stored.
 */
@ApplicationScoped
public class DemoKeySeed {
    private static final Logger LOG = Logger.getLogger(DemoKeySeed.class);
    static final UUID DEMO_ORG = UUID.fromString("00000000-0000-4000-8000-00000000de30");

    @Inject
    AgroalDataSource db;
    @ConfigProperty(name = "sirocco.demo.api-key")
    Optional<String> demoKey;

    void seed(@Observes @Priority(10) StartupEvent ev) {
        if (demoKey.isEmpty() || demoKey.get().isBlank()) {
            return;
        }
        String key = demoKey.get().trim();
        if (!KeySecrets.looksLikeKey(key)) {
            LOG.warn("sirocco.demo.api-key is not an sk- key; no demo key seeded");
            return;
        }
        try (Connection c = db.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into organizations (id, name, plan) values (?, 'Demo', 'demo') on conflict (id) do nothing")) {
                ps.setObject(1, DEMO_ORG);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into api_keys (id, org_id, name, key_prefix, key_hash) values (?, ?, 'demo', ?, ?)
                    on conflict (key_hash) do nothing""")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setObject(2, DEMO_ORG);
                ps.setString(3, KeySecrets.displayPrefix(key));
                ps.setString(4, KeySecrets.hash(key));
                if (ps.executeUpdate() == 1) {
                    LOG.infof("seeded the demo API key %s… for the Demo organization", KeySecrets.displayPrefix(key));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not seed the demo API key", e);
        }
    }
}
