package io.sirocco.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import java.util.stream.Collectors;

/**
 * The one place that turns a JSON parser's failure into words for the client: where the body broke (line and
 * column) or which field did not fit, never the parser's own message (which names its classes and feature flags).
 */
public final class JsonProblems {
    private JsonProblems() {
    }

    /** A failure to read JSON: malformed text (400) or a well-formed body whose fields do not fit (422 or 400). */
    public record Problem(boolean malformed, String param, String message) {
    }

    public static Problem of(JacksonException e) {
        if (e instanceof StreamConstraintsException) {
            return new Problem(true, null, "the body is not acceptable JSON: it is nested too deeply or holds a "
                    + "number or string that is too long");
        }
        if (e instanceof UnrecognizedPropertyException u) {
            String p = path(u);
            return new Problem(false, p, "unknown field: " + p);
        }
        if (e instanceof DatabindException d && !(isSyntax(e))) {
            String p = d instanceof JsonMappingException m ? path(m) : null;
            return new Problem(false, p, (p == null ? "the body" : p) + " has an invalid type or value");
        }
        JsonLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        return new Problem(true, null, "the body is not valid JSON" + where);
    }

    /** Parse errors that reach the databind layer wrapped (an empty body, a truncated one). */
    private static boolean isSyntax(JacksonException e) {
        return e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m
                && m.getMessage() != null && m.getMessage().startsWith("No content to map");
    }

    /** The JSON path of a mapping failure, e.g. {@code messages[0].role}; null at the top. */
    public static String path(JsonMappingException e) {
        if (e.getPath().isEmpty()) {
            return null;
        }
        String p = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining());
        return p.startsWith(".") ? p.substring(1) : p;
    }
}
