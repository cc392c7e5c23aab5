package io.sirocco.engine.grammar;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code oneOf} means exactly one branch matches. The grammar generates a value from one branch; it is valid only
 * if no other branch accepts it. Rather than intersect grammars, {@code oneOf} is compiled only when every branch
 * provably <em>excludes</em> every other: nothing its grammar can generate validates against the other (under
 * JSON Schema's own rules, objects open unless {@code additionalProperties: false}). Then {@code oneOf} is
 * {@code anyOf}. The proof is sound and incomplete; it knows:
 * <ul>
 *   <li>different JSON types ({@code integer} counts as a {@code number});</li>
 *   <li>{@code const}/{@code enum} scalars with no value in common;</li>
 *   <li>objects told apart by a property that one requires and the other cannot take (closed), or whose values
 *       exclude each other (a discriminator: {@code "kind": {"const": "a"}} / {@code {"const": "b"}});</li>
 *   <li>objects the grammar closes, when the other requires a property they do not have;</li>
 *   <li>{@code anyOf}/{@code oneOf}/{@code $ref}/single {@code allOf} inside a branch, branch by branch.</li>
 * </ul>
 * Anything else is refused, naming {@code oneOf}: use {@code anyOf}, or tell the branches apart one of these ways.
 */
final class OneOf {
    private static final int MAX_DEPTH = 16;
    private static final Set<String> ALL_TYPES = Set.of("object", "array", "string", "number", "boolean", "null");

    private final Object root;

    OneOf(Object root) {
        this.root = root;
    }

    /** Refuses {@code branches} unless each excludes every other. */
    void check(List<?> branches) {
        for (int i = 0; i < branches.size(); i++) {
            for (int j = 0; j < branches.size(); j++) {
                if (i != j && !excludes(branches.get(i), branches.get(j), 0)) {
                    throw new GrammarException("oneOf", "JSON schema keyword 'oneOf': branches " + i + " and " + j
                            + " may both match one value, so 'exactly one' cannot be enforced; use anyOf, or tell the "
                            + "branches apart by type, by const/enum values, or by a required property whose "
                            + "const/enum values differ");
                }
            }
        }
    }

    /** Whether no value the grammar generates from {@code a} is valid against {@code b}. */
    boolean excludes(Object a, Object b, int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        Map<String, Object> sa = resolve(a);
        Map<String, Object> sb = resolve(b);
        if (sa == null || sb == null) {
            return false; // true (anything) or unresolvable: no proof
        }
        List<?> altsA = alternatives(sa);
        if (altsA != null) {
            for (Object x : altsA) {
                if (!excludes(x, sb, depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        List<?> altsB = alternatives(sb);
        if (altsB != null) {
            if (sb.containsKey("oneOf")) {
                return false; // a value matching two of b's branches fails b: no simple rule
            }
            for (Object y : altsB) {
                if (!excludes(sa, y, depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        Set<String> generated = generatedTypes(sa);
        Set<String> accepted = acceptedTypes(sb);
        if (generated.stream().noneMatch(accepted::contains)) {
            return true;
        }
        List<Object> valuesA = scalars(sa);
        List<Object> valuesB = scalars(sb);
        if (valuesA != null && valuesB != null) {
            return valuesA.stream().noneMatch(x -> valuesB.stream().anyMatch(y -> same(x, y)));
        }
        if (generated.equals(Set.of("object")) && accepted.contains("object") && valuesA == null) {
            return objectsExclude(sa, sb, depth);
        }
        return false;
    }

    /** Both constrain objects: a property tells them apart. */
    private boolean objectsExclude(Map<String, Object> a, Map<String, Object> b, int depth) {
        Map<?, ?> propsA = a.get("properties") instanceof Map<?, ?> m ? m : Map.of();
        Map<?, ?> propsB = b.get("properties") instanceof Map<?, ?> m ? m : Map.of();
        List<?> requiredA = a.get("required") instanceof List<?> l ? l : List.of();
        List<?> requiredB = b.get("required") instanceof List<?> l ? l : List.of();
        boolean bClosed = Boolean.FALSE.equals(b.get("additionalProperties"));
        // the grammar closes an object unless additionalProperties allows more
        Object extraA = a.get("additionalProperties");
        boolean aClosed = extraA == null || Boolean.FALSE.equals(extraA);
        for (Object p : requiredA) {
            if (!propsA.containsKey(p)) {
                continue;
            }
            if (propsB.containsKey(p)) {
                if (excludes(propsA.get(p), propsB.get(p), depth + 1)) {
                    return true;
                }
            } else if (bClosed) {
                return true;
            }
        }
        if (aClosed) {
            for (Object q : requiredB) {
                if (!propsA.containsKey(q)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The branches of an anyOf/oneOf/single allOf schema (its own keywords otherwise), or null. */
    private static List<?> alternatives(Map<String, Object> s) {
        for (String k : List.of("anyOf", "oneOf", "allOf")) {
            if (s.get(k) instanceof List<?> l && !l.isEmpty()) {
                if (Boolean.TRUE.equals(s.get("nullable"))) {
                    List<Object> withNull = new ArrayList<>(l);
                    withNull.add(Map.of("type", "null"));
                    return withNull;
                }
                return l;
            }
        }
        return null;
    }

    /** A schema object, following $ref; null for a boolean schema or a reference that does not resolve. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> resolve(Object s) {
        for (int hops = 0; hops < MAX_DEPTH && s instanceof Map<?, ?> m && m.get("$ref") instanceof String ref; hops++) {
            Object target = root;
            for (String part : ref.startsWith("#") ? ref.substring(1).split("/") : new String[]{"\u0000"}) {
                if (part.isEmpty()) {
                    continue;
                }
                String key = part.replace("~1", "/").replace("~0", "~");
                target = target instanceof Map<?, ?> t ? t.get(key) : null;
            }
            s = target;
        }
        return s instanceof Map<?, ?> m && !m.containsKey("$ref") ? (Map<String, Object>) m : null;
    }

    /** The const/enum values when all are scalars, else null. */
    private static List<Object> scalars(Map<String, Object> s) {
        List<Object> values = new ArrayList<>();
        if (s.containsKey("const")) {
            values.add(s.get("const"));
        } else if (s.get("enum") instanceof List<?> l) {
            values.addAll(l);
        } else {
            return null;
        }
        if (Boolean.TRUE.equals(s.get("nullable"))) {
            values.add(Json.NULL);
        }
        return values.stream().allMatch(v -> !(v instanceof Map) && !(v instanceof List)) ? values : null;
    }

    private static boolean same(Object x, Object y) {
        if (x instanceof BigDecimal m && y instanceof BigDecimal n) {
            return m.compareTo(n) == 0;
        }
        return x.equals(y);
    }

    /** The types of the values the grammar generates from a schema (integer as number). */
    private static Set<String> generatedTypes(Map<String, Object> s) {
        List<Object> values = constOrEnum(s);
        if (values != null) {
            return typesOf(values, s);
        }
        Set<String> out = new HashSet<>();
        Object t = s.get("type");
        if (t != null) {
            addTypes(t, out);
        } else if (s.containsKey("properties") || s.containsKey("additionalProperties")) {
            out.add("object");
        } else if (s.containsKey("items") || s.containsKey("minItems") || s.containsKey("maxItems")) {
            out.add("array");
        } else if (s.containsKey("pattern") || s.containsKey("format") || s.containsKey("minLength")
                || s.containsKey("maxLength")) {
            out.add("string");
        } else if (s.containsKey("minimum") || s.containsKey("maximum") || s.containsKey("exclusiveMinimum")
                || s.containsKey("exclusiveMaximum")) {
            out.add("number");
        } else {
            out.addAll(ALL_TYPES);
        }
        if (Boolean.TRUE.equals(s.get("nullable"))) {
            out.add("null");
        }
        return out;
    }

    /** The types of the values a schema validates: only its type (or const/enum) limits them. */
    private static Set<String> acceptedTypes(Map<String, Object> s) {
        List<Object> values = constOrEnum(s);
        if (values != null) {
            return typesOf(values, s);
        }
        Set<String> out = new HashSet<>();
        if (s.get("type") != null) {
            addTypes(s.get("type"), out);
            if (Boolean.TRUE.equals(s.get("nullable"))) {
                out.add("null");
            }
        } else {
            out.addAll(ALL_TYPES);
        }
        return out;
    }

    private static List<Object> constOrEnum(Map<String, Object> s) {
        if (s.containsKey("const")) {
            return List.of(s.get("const"));
        }
        return s.get("enum") instanceof List<?> l ? new ArrayList<>(l) : null;
    }

    private static Set<String> typesOf(List<Object> values, Map<String, Object> s) {
        Set<String> out = new HashSet<>();
        for (Object v : values) {
            out.add(switch (v) {
                case Map<?, ?> m -> "object";
                case List<?> l -> "array";
                case String x -> "string";
                case BigDecimal n -> "number";
                case Boolean x -> "boolean";
                default -> "null";
            });
        }
        if (Boolean.TRUE.equals(s.get("nullable"))) {
            out.add("null");
        }
        return out;
    }

    private static void addTypes(Object t, Set<String> out) {
        if (t instanceof List<?> many) {
            many.forEach(x -> out.add(x.equals("integer") ? "number" : String.valueOf(x)));
        } else {
            out.add(t.equals("integer") ? "number" : String.valueOf(t));
        }
    }
}
