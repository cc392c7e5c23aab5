package io.sirocco.alerts;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * Keeps alert webhook signing secrets encrypted at rest. Signing needs the secret itself (it is an HMAC key, it cannot
 * be hashed), so with {@code sirocco.alerts.webhook.secret-key} set each secret is stored as
 * {@code v1:<base64url(nonce | AES-256-GCM ciphertext and tag)>}, with the org id as associated data (a secret copied
 * to another org's row does not open). The AES key is SHA-256 of the configured key, which must be a random value of
 * 32+ characters ({@code ./sirocco run} makes one per installation in {@code data/webhook-secret-key}).
 * <p>
 * Without a configured key, secrets are stored in clear, as before this existed. When a key is configured, the
 * secrets stored in clear are encrypted at start; a stored {@code v1:} secret that does not open (the key was
 * changed or lost) makes deliveries to that webhook fail until the owner sets the webhook again.
 */
@ApplicationScoped
public class WebhookSecretSeal {
    static final String PREFIX = "v1:";
    private static final Logger LOG = Logger.getLogger(WebhookSecretSeal.class);
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final int MIN_KEY_CHARS = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    @ConfigProperty(name = "sirocco.alerts.webhook.secret-key")
    Optional<String> configuredKey;
    @Inject
    AgroalDataSource db;

    private volatile SecretKeySpec key;

    /** Builds a seal with this key (null: none), outside CDI (unit tests). */
    static WebhookSecretSeal withKey(String configured) {
        WebhookSecretSeal s = new WebhookSecretSeal();
        s.configuredKey = Optional.ofNullable(configured);
        return s;
    }

    private Optional<SecretKeySpec> key() {
        if (key == null && configuredKey.isPresent() && !configuredKey.get().isBlank()) {
            String k = configuredKey.get().strip();
            if (k.length() < MIN_KEY_CHARS) {
                throw new IllegalStateException("sirocco.alerts.webhook.secret-key must be a random value of at least "
                        + MIN_KEY_CHARS + " characters");
            }
            try {
                key = new SecretKeySpec(MessageDigest.getInstance("SHA-256")
                        .digest(("sirocco webhook secrets v1:" + k).getBytes(StandardCharsets.UTF_8)), "AES");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return Optional.ofNullable(key);
    }

    /** Whether secrets are encrypted at rest (a key is configured). */
    public boolean encrypting() {
        return key().isPresent();
    }

    /** What to store for {@code secret} of {@code org}: sealed when a key is configured, else the secret. */
    String seal(UUID org, String secret) {
        Optional<SecretKeySpec> k = key();
        if (k.isEmpty()) {
            return secret;
        }
        try {
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, k.get(), new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(org.toString().getBytes(StandardCharsets.US_ASCII));
            byte[] sealed = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE);
            System.arraycopy(sealed, 0, out, NONCE, sealed.length);
            return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not encrypt the webhook secret", e);
        }
    }

    /** The secret from what is stored: opened when sealed, as is when stored in clear. */
    String open(UUID org, String stored) {
        if (!stored.startsWith(PREFIX)) {
            return stored;
        }
        SecretKeySpec k = key().orElseThrow(() -> new IllegalStateException("the webhook secret of org " + org
                + " is encrypted, but sirocco.alerts.webhook.secret-key is not set"));
        try {
            byte[] in = Base64.getUrlDecoder().decode(stored.substring(PREFIX.length()));
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, in, 0, NONCE));
            c.updateAAD(org.toString().getBytes(StandardCharsets.US_ASCII));
            return new String(c.doFinal(in, NONCE, in.length - NONCE), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("the webhook secret of org " + org + " does not open with "
                    + "sirocco.alerts.webhook.secret-key (was the key changed?); the owner must set the webhook again");
        }
    }

    /** With a key configured, encrypts the secrets still stored in clear (rows from before, or from a keyless run). */
    void sealStoredInClear(@Observes StartupEvent start) {
        if (!encrypting()) {
            LOG.info("alert webhook secrets are stored in clear: set sirocco.alerts.webhook.secret-key to encrypt them");
            return;
        }
        int sealed = 0;
        try (Connection c = db.getConnection();
             PreparedStatement read = c.prepareStatement(
                     "select org_id, secret from alert_webhooks where secret not like '" + PREFIX + "%'");
             PreparedStatement write = c.prepareStatement(
                     "update alert_webhooks set secret = ? where org_id = ? and secret = ?");
             ResultSet rs = read.executeQuery()) {
            while (rs.next()) {
                UUID org = rs.getObject(1, UUID.class);
                String clear = rs.getString(2);
                write.setString(1, seal(org, clear));
                write.setObject(2, org);
                write.setString(3, clear); // another node may have sealed it meanwhile
                sealed += write.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not encrypt the stored webhook secrets", e);
        }
        if (sealed > 0) {
            LOG.infof("encrypted %d alert webhook secret(s) stored in clear", sealed);
        }
    }
}
