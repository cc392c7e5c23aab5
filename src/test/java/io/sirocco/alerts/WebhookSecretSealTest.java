package io.sirocco.alerts;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Webhook secrets at rest: sealed with the configured key, bound to their org, in clear only without a key. */
class WebhookSecretSealTest {
    private static final String KEY = "0123456789abcdef0123456789abcdef-test";
    private static final String SECRET = "whsec_" + "A".repeat(43);

    @Test
    void sealsAndOpensWithTheKey() {
        WebhookSecretSeal seal = WebhookSecretSeal.withKey(KEY);
        UUID org = UUID.randomUUID();
        String stored = seal.seal(org, SECRET);
        assertTrue(stored.startsWith("v1:"), stored);
        assertFalse(stored.contains("AAAA"), "no trace of the secret: " + stored);
        assertTrue(stored.length() <= 200, "fits the column: " + stored.length());
        assertNotEquals(stored, seal.seal(org, SECRET), "a fresh nonce each time");
        assertEquals(SECRET, seal.open(org, stored));
        assertEquals(SECRET, WebhookSecretSeal.withKey(KEY).open(org, stored), "another node with the same key");
    }

    @Test
    void doesNotOpenForAnotherOrgWithAnotherKeyOrWithoutAKey() {
        UUID org = UUID.randomUUID();
        String stored = WebhookSecretSeal.withKey(KEY).seal(org, SECRET);
        assertThrows(IllegalStateException.class, () -> WebhookSecretSeal.withKey(KEY).open(UUID.randomUUID(), stored));
        IllegalStateException wrong = assertThrows(IllegalStateException.class,
                () -> WebhookSecretSeal.withKey(KEY + "x").open(org, stored));
        assertFalse(wrong.getMessage().contains(SECRET));
        assertThrows(IllegalStateException.class, () -> WebhookSecretSeal.withKey(null).open(org, stored));
        String tampered = stored.substring(0, stored.length() - 2) + (stored.endsWith("A") ? "BB" : "AA");
        assertThrows(IllegalStateException.class, () -> WebhookSecretSeal.withKey(KEY).open(org, tampered));
    }

    @Test
    void withoutAKeySecretsStayInClearAndClearOnesStillOpen() {
        UUID org = UUID.randomUUID();
        assertEquals(SECRET, WebhookSecretSeal.withKey(null).seal(org, SECRET));
        assertEquals(SECRET, WebhookSecretSeal.withKey(KEY).open(org, SECRET), "a secret stored before a key was set");
        assertThrows(IllegalStateException.class, () -> WebhookSecretSeal.withKey("too-short").seal(org, SECRET));
    }
}
