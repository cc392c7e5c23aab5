package io.sirocco.alerts;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The {@code Sirocco-Signature} header of a webhook call: {@code t=<unix seconds>,v1=<hex HMAC-SHA256>} where the
 * HMAC key is the webhook's secret and the message is {@code <t>.<raw body>}. A receiver recomputes it, compares in
 * constant time, and refuses old timestamps (replays).
 */
public final class WebhookSignature {
    public static final String HEADER = "Sirocco-Signature";

    private WebhookSignature() {
    }

    public static String header(String secret, long unixSeconds, String body) {
        return "t=" + unixSeconds + ",v1=" + hmac(secret, unixSeconds + "." + body);
    }

    /** Whether {@code header} is a valid signature of {@code body} with {@code secret}. */
    public static boolean verify(String secret, String header, String body) {
        String t = null;
        String v1 = null;
        for (String part : header == null ? new String[0] : header.split(",")) {
            if (part.startsWith("t=")) {
                t = part.substring(2);
            } else if (part.startsWith("v1=")) {
                v1 = part.substring(3);
            }
        }
        if (t == null || v1 == null) {
            return false;
        }
        return MessageDigest.isEqual(hmac(secret, t + "." + body).getBytes(StandardCharsets.US_ASCII),
                v1.getBytes(StandardCharsets.US_ASCII));
    }

    static String hmac(String secret, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
