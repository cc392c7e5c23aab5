package io.sirocco.accounts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./sirocco run} gives the realm's admin user a random password per installation at the first realm import,
 * kept in {@code data/admin-password} (0600), and its banner says where to read it, never the password itself.
 */
class RealmAdminPasswordTest {

    @Test
    void newInstallationGetsARandomPasswordKeptOwnerOnly(@TempDir Path data) throws Exception {
        List<String> first = run(data, null);
        String password = first.get(0);
        assertNotEquals("admin", password);
        assertTrue(password.length() >= 32, "password length " + password.length());
        Path file = data.resolve("admin-password");
        assertEquals(password, Files.readString(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("password in " + file, first.get(1));
        assertFalse(first.get(1).contains(password), "the banner line holds the password");

        Files.createDirectories(data.resolve("keycloak/h2"));
        assertEquals(password, run(data, null).get(0), "kept across starts");
    }

    @Test
    void realmImportedBeforeKeepsItsPasswordAndGetsNoFile(@TempDir Path data) throws Exception {
        Files.createDirectories(data.resolve("keycloak/h2"));
        List<String> out = run(data, null);
        assertEquals("", out.get(0), "no password handed to a realm that already exists");
        assertFalse(Files.exists(data.resolve("admin-password")));
        assertFalse(out.get(1).contains("admin unless"), out.get(1));
    }

    @Test
    void givenPasswordIsUsedAndNeverPrinted(@TempDir Path data) throws Exception {
        List<String> out = run(data, "chosen-by-operator-123");
        assertEquals("chosen-by-operator-123", out.get(0));
        assertFalse(Files.exists(data.resolve("admin-password")));
        assertFalse(out.get(1).contains("chosen-by-operator-123"), out.get(1));
    }

    /** The scripts' own function, as ./sirocco run calls it; prints SIROCCO_ADMIN_PASSWORD, then the banner's words. */
    private static List<String> run(Path data, String given) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c",
                "source src/main/sh/services.sh && ensure_realm_admin_password \"$1\" \"$1/keycloak\""
                        + " && printf '%s\\n%s\\n' \"${SIROCCO_ADMIN_PASSWORD:-}\" \"$ADMIN_PASSWORD_WHERE\"",
                "_", data.toString()).redirectErrorStream(true);
        pb.environment().remove("SIROCCO_ADMIN_PASSWORD");
        if (given != null) pb.environment().put("SIROCCO_ADMIN_PASSWORD", given);
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }
}
