package io.sirocco.accounts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Keycloak client secret is made per installation: the realm import carries placeholders, not values; the
 * scripts keep each generated secret in a 0600 file; and the run's Keycloak refuses the old public default
 * {@code sirocco-service-secret} while it accepts the secret the service was given.
 */
class InstallationSecretsTest {
    private static final String OLD_DEFAULT = "sirocco-service-secret";

    @Test
    void realmImportHasPlaceholdersNotSecrets() throws IOException {
        String realm = Files.readString(Path.of("src/main/keycloak/sirocco-realm.json"));
        assertFalse(realm.contains(OLD_DEFAULT), "the realm import names the old public secret");
        assertTrue(realm.contains("\"secret\": \"${SIROCCO_OIDC_SECRET}\""));
        assertTrue(realm.contains("\"value\": \"${SIROCCO_ADMIN_PASSWORD}\""));
        assertFalse(realm.contains("http://localhost:*"), "redirect URIs come from SIROCCO_REDIRECT_URI");
        assertTrue(Files.readAllLines(Path.of("src/main/resources/application.properties")).stream()
                .filter(l -> l.startsWith("quarkus.oidc.credentials.secret="))
                .allMatch(l -> l.equals("quarkus.oidc.credentials.secret=${SIROCCO_OIDC_SECRET:}")), "no production default");
    }

    @Test
    void generatedSecretsAreRandomOwnerOnlyAndKept(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("keycloak-client-secret");
        Path b = dir.resolve("keycloak-admin-password");
        String first = ensureSecret(a);
        assertTrue(first.length() >= 32, "secret length " + first.length());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a)));
        assertEquals(first, ensureSecret(a), "kept across starts");
        assertNotEquals(first, ensureSecret(b), "one secret per file");
        Files.setPosixFilePermissions(a, PosixFilePermissions.fromString("rw-r--r--"));
        ensureSecret(a);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a)), "mode repaired");
    }

    @Test
    void keycloakRefusesTheOldDefaultSecret() throws Exception {
        String secret = System.getenv("SIROCCO_OIDC_SECRET");
        assertNotNull(secret, "run through ./sirocco test, which gives its Keycloak a generated SIROCCO_OIDC_SECRET");
        assertNotEquals(OLD_DEFAULT, secret);
        assertEquals(401, clientCredentials(OLD_DEFAULT).statusCode(), "the old public secret still works");
        HttpResponse<String> ok = clientCredentials(secret);
        assertEquals(200, ok.statusCode(), ok.body());
    }

    @Test
    void runTellsThisInstallationsKeycloakFromAnother() throws Exception {
        String kc = System.getenv().getOrDefault("SIROCCO_KEYCLOAK_URL", "http://localhost:8180");
        String secret = System.getenv("SIROCCO_OIDC_SECRET");
        assertNotNull(secret, "run through ./sirocco test, which gives its Keycloak a generated SIROCCO_OIDC_SECRET");
        assertEquals(0, acceptsClient(kc, secret));
        assertNotEquals(0, acceptsClient(kc, "another-installations-secret"), "a foreign Keycloak passes for ours");
    }

    /** The scripts' keycloak_accepts_client, as ./sirocco run calls it when something already listens on :8180. */
    private static int acceptsClient(String url, String secret) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", "source src/main/sh/services.sh && keycloak_accepts_client \"$1\" \"$2\"",
                "_", url, secret).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.exitValue();
    }

    private static HttpResponse<String> clientCredentials(String secret) throws Exception {
        String kc = System.getenv().getOrDefault("SIROCCO_KEYCLOAK_URL", "http://localhost:8180");
        String form = "grant_type=client_credentials&client_id=sirocco-service&client_secret="
                + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(kc + "/realms/sirocco/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The scripts' own function, run as ./sirocco run runs it. */
    private static String ensureSecret(Path file) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", "source src/main/sh/common.sh && ensure_secret \"$1\"", "_",
                file.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out.trim();
    }
}
