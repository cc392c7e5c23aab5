package io.sirocco.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The one rule for request text: bodies are UTF-8, strictly. Overlong forms ({@code C0 AF} for {@code /}), surrogates,
 * stray continuation bytes and Latin-1 bytes are refused, and so is UTF-16 or UTF-32 (which JSON parsers would
 * otherwise detect and accept): their NUL bytes never occur in JSON or form text. A {@code charset} in the
 * Content-Type other than UTF-8 is refused too. Each check answers a plain sentence for the client, or null.
 */
public final class Utf8Text {
    private Utf8Text() {
    }

    /** Why {@code body} is not acceptable UTF-8 text, or null when it is. */
    public static String problem(byte[] body) {
        for (byte b : body) {
            if (b == 0) {
                return "the body is not UTF-8 text (it contains NUL bytes, as UTF-16 or UTF-32 would); send UTF-8";
            }
        }
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            strict.decode(ByteBuffer.wrap(body));
            return null;
        } catch (CharacterCodingException e) {
            return "the body is not valid UTF-8 (overlong or invalid byte sequences); send UTF-8";
        }
    }

    /** Why a Content-Type header's charset is not acceptable, or null when it is absent or UTF-8. */
    public static String charsetProblem(String contentType) {
        if (contentType == null) {
            return null;
        }
        for (String param : contentType.split(";")) {
            String p = param.strip().toLowerCase(Locale.ROOT);
            if (p.startsWith("charset=")) {
                String cs = p.substring("charset=".length()).replace("\"", "").strip();
                if (!cs.equals("utf-8") && !cs.equals("utf8")) {
                    return "the body must be UTF-8; the Content-Type names charset=" + abbreviate(cs);
                }
            }
        }
        return null;
    }

    private static String abbreviate(String s) {
        String printable = s.replaceAll("[^a-z0-9_.:-]", "?");
        return printable.length() > 40 ? printable.substring(0, 40) : printable;
    }
}
