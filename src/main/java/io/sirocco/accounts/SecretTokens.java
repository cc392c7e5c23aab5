package io.sirocco.accounts;

import java.security.SecureRandom;
import java.util.Base64;

/** Unguessable URL tokens (256 bits, base64url) for invitations and waitlist status links. Stored only hashed. */
public final class SecretTokens {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int BYTES = 32;
    static final int LENGTH = 43;

    private SecretTokens() {
    }

    public static String newToken() {
        byte[] bytes = new byte[BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** SHA-256 hex of the token: the only form that is stored. */
    public static String hash(String token) {
        return KeySecrets.hash(token);
    }

    /** Shape check before any lookup. */
    public static boolean looksLikeToken(String token) {
        if (token == null || token.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
