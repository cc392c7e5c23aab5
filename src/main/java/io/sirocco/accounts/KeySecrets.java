package io.sirocco.accounts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Generates API keys ({@code sk-} + 43 base62 chars, 256 bits) and hashes them for storage. */
public final class KeySecrets {
    static final String PREFIX = "sk-";
    private static final char[] BASE62 =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    /** 43 base62 digits carry 256 bits (62^43 > 2^256). */
    private static final int SECRET_CHARS = 43;
    private static final int DISPLAY_CHARS = 8;
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeySecrets() {
    }

    public static String newSecret() {
        StringBuilder sb = new StringBuilder(PREFIX.length() + SECRET_CHARS).append(PREFIX);
        for (int i = 0; i < SECRET_CHARS; i++) {
            sb.append(BASE62[RANDOM.nextInt(BASE62.length)]);
        }
        return sb.toString();
    }

    /** The short, non-secret prefix shown in key listings. */
    public static String displayPrefix(String secret) {
        return secret.substring(0, PREFIX.length() + DISPLAY_CHARS);
    }

    /** Lower-case hex SHA-256 of the key. */
    public static String hash(String secret) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    /** Cheap shape check before any lookup: rejects tokens that cannot be our keys (e.g. a JWT). */
    public static boolean looksLikeKey(String presented) {
        if (presented == null || !presented.startsWith(PREFIX) || presented.length() != PREFIX.length() + SECRET_CHARS) {
            return false;
        }
        for (int i = PREFIX.length(); i < presented.length(); i++) {
            char c = presented.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
                return false;
            }
        }
        return true;
    }

    /** Prints a new key: {@code ./sirocco run} uses it to make the demo key. */
    public static void main(String[] args) {
        System.out.println(newSecret());
    }
}
