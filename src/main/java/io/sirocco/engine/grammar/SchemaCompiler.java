package io.sirocco.engine.grammar;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON Schema (the subset structured-output APIs accept) → grammar expression. Properties are written in
 * the schema's order; an object without {@code additionalProperties} is closed (as strict mode requires);
 * {@code oneOf} is compiled only when its branches provably exclude each other ({@link OneOf}), and is then
 * {@code anyOf}. A keyword it cannot enforce is
 * refused with a {@link GrammarException} naming it.
 */
final class SchemaCompiler {
    static final int MAX_BYTES = 64 * 1024;
    static final int MAX_NODES = 1000;
    private static final int MAX_LENGTH = 10_000;
    private static final long MAX_BOUND = 999_999_999_999_999_999L;

    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples", "$schema",
            "$id", "$comment", "deprecated", "readOnly", "writeOnly", "$defs", "definitions", "strict", "name");
    private static final Set<String> KEYWORDS = Set.of("type", "properties", "required", "additionalProperties",
            "items", "minItems", "maxItems", "enum", "const", "pattern", "minLength", "maxLength", "format",
            "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "anyOf", "oneOf", "allOf", "$ref",
            "nullable");
    private static final Set<String> TYPES = Set.of("object", "array", "string", "integer", "number", "boolean", "null");

    private final Object root;
    private final Map<String, Expr.Rule> refs = new HashMap<>();
    private final Deque<String> resolving = new ArrayDeque<>();

    private SchemaCompiler(Object root) {
        this.root = root;
    }

    static Expr compile(String schemaJson) {
        if (schemaJson.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new GrammarException("schema", "the schema is larger than " + MAX_BYTES / 1024 + " KiB");
        }
        Object root = Json.parse(schemaJson);
        int nodes = count(root);
        if (nodes > MAX_NODES) {
            throw new GrammarException("schema", "the schema has " + nodes + " nodes, more than " + MAX_NODES);
        }
        return new SchemaCompiler(root).schema(root);
    }

    private static int count(Object v) {
        return switch (v) {
            case Map<?, ?> m -> 1 + m.values().stream().mapToInt(SchemaCompiler::count).sum();
            case List<?> l -> l.stream().mapToInt(SchemaCompiler::count).sum();
            default -> 0;
        };
    }

    private static GrammarException refuse(String keyword, String why) {
        return new GrammarException(keyword, "JSON schema keyword '" + keyword + "': " + why);
    }

    private Expr schema(Object node) {
        if (node instanceof Boolean b) {
            if (!b) {
                throw refuse("false", "a schema that allows nothing");
            }
            return JsonExprs.VALUE;
        }
        if (!(node instanceof Map<?, ?> raw)) {
            throw new GrammarException("schema", "a schema must be an object or a boolean");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) raw;
        for (String k : s.keySet()) {
            if (!KEYWORDS.contains(k) && !ANNOTATIONS.contains(k)) {
                throw refuse(k, "not supported");
            }
        }
        List<String> constraints = s.keySet().stream().filter(KEYWORDS::contains).toList();
        for (String combinator : List.of("$ref", "anyOf", "oneOf", "allOf")) {
            if (s.containsKey(combinator)) {
                if (constraints.size() > 1 && !(constraints.size() == 2 && s.containsKey("nullable"))) {
                    throw refuse(combinator, "cannot be combined with " + constraints.stream()
                            .filter(k -> !k.equals(combinator)).toList());
                }
                return nullable(s, combinator(combinator, s.get(combinator)));
            }
        }
        if (s.containsKey("const")) {
            return Expr.literal(Json.write(s.get("const")));
        }
        if (s.containsKey("enum")) {
            if (!(s.get("enum") instanceof List<?> values) || values.isEmpty()) {
                throw refuse("enum", "must be a non-empty array");
            }
            return Expr.alt(values.stream().map(v -> Expr.literal(Json.write(v))).toList());
        }
        List<String> types = types(s);
        List<Expr> alts = new ArrayList<>();
        for (String t : types) {
            alts.add(switch (t) {
                case "object" -> object(s);
                case "array" -> array(s);
                case "string" -> string(s);
                case "integer" -> integer(s);
                case "number" -> number(s);
                case "boolean" -> JsonExprs.BOOLEAN;
                default -> JsonExprs.NULL;
            });
        }
        return Expr.alt(alts);
    }

    private Expr nullable(Map<String, Object> s, Expr e) {
        return Boolean.TRUE.equals(s.get("nullable")) ? Expr.alt(e, JsonExprs.NULL) : e;
    }

    private Expr combinator(String keyword, Object value) {
        if (keyword.equals("$ref")) {
            return ref(value);
        }
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            throw refuse(keyword, "must be a non-empty array of schemas");
        }
        if (keyword.equals("allOf") && list.size() != 1) {
            throw refuse("allOf", "only a single schema is supported");
        }
        if (keyword.equals("oneOf")) {
            new OneOf(root).check(list); // exactly one: only branches that exclude each other
        }
        return Expr.alt(list.stream().map(this::schema).toList());
    }

    /** The types a schema allows: its {@code type} (string or array), {@code nullable}, else inferred. */
    private List<String> types(Map<String, Object> s) {
        List<String> types = new ArrayList<>();
        Object t = s.get("type");
        if (t instanceof String one) {
            types.add(one);
        } else if (t instanceof List<?> many && !many.isEmpty()) {
            many.forEach(x -> types.add(String.valueOf(x)));
        } else if (t != null) {
            throw refuse("type", "must be a type name or an array of them");
        } else if (s.containsKey("properties") || s.containsKey("additionalProperties")) {
            types.add("object");
        } else if (s.containsKey("items") || s.containsKey("minItems") || s.containsKey("maxItems")) {
            types.add("array");
        } else if (s.containsKey("pattern") || s.containsKey("format") || s.containsKey("minLength")
                || s.containsKey("maxLength")) {
            types.add("string");
        } else if (s.containsKey("minimum") || s.containsKey("maximum") || s.containsKey("exclusiveMinimum")
                || s.containsKey("exclusiveMaximum")) {
            types.add("number");
        } else {
            types.addAll(List.of("object", "array", "string", "number", "boolean", "null"));
        }
        for (String x : types) {
            if (!TYPES.contains(x)) {
                throw refuse("type", "unknown type '" + x + "'");
            }
        }
        if (Boolean.TRUE.equals(s.get("nullable")) && !types.contains("null")) {
            types.add("null");
        }
        return types;
    }

    private Expr ref(Object value) {
        if (!(value instanceof String ref) || !ref.startsWith("#")) {
            throw refuse("$ref", "only local references ('#/$defs/…') are supported");
        }
        Expr.Rule done = refs.get(ref);
        if (done != null) {
            return done;
        }
        if (resolving.contains(ref)) {
            throw refuse("$ref", "recursive reference " + ref + " is not supported");
        }
        Object target = root;
        for (String part : ref.substring(1).split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            String key = part.replace("~1", "/").replace("~0", "~");
            if (target instanceof Map<?, ?> m && m.containsKey(key)) {
                target = m.get(key);
            } else if (target instanceof List<?> l && key.matches("\\d+") && Integer.parseInt(key) < l.size()) {
                target = l.get(Integer.parseInt(key));
            } else {
                throw refuse("$ref", "reference " + ref + " does not resolve");
            }
        }
        resolving.push(ref);
        Expr.Rule rule = new Expr.Rule(schema(target));
        resolving.pop();
        refs.put(ref, rule);
        return rule;
    }

    private Expr object(Map<String, Object> s) {
        Object props = s.getOrDefault("properties", Map.of());
        if (!(props instanceof Map<?, ?> properties)) {
            throw refuse("properties", "must be an object");
        }
        List<String> required = strings(s.getOrDefault("required", List.of()), "required");
        for (String r : required) {
            if (!properties.containsKey(r)) {
                throw refuse("required", "'" + r + "' is not among the properties");
            }
        }
        Object additional = s.get("additionalProperties");
        Expr rest = null;
        if (additional instanceof Map<?, ?> || Boolean.TRUE.equals(additional) && properties.isEmpty()) {
            if (!properties.isEmpty()) {
                throw refuse("additionalProperties", "a schema for additional properties is supported only without 'properties'");
            }
            rest = schema(additional);
        } else if (additional != null && !(additional instanceof Boolean)) {
            throw refuse("additionalProperties", "must be a boolean or a schema");
        } else if (additional == null && properties.isEmpty()) {
            rest = JsonExprs.VALUE; // {"type":"object"}: any object
        }
        List<String> keys = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        List<Boolean> req = new ArrayList<>();
        for (Map.Entry<?, ?> p : properties.entrySet()) {
            keys.add((String) p.getKey());
            values.add(schema(p.getValue()));
            req.add(required.contains((String) p.getKey()));
        }
        return JsonExprs.object(keys, values, req, rest);
    }

    private Expr array(Map<String, Object> s) {
        Expr item = s.containsKey("items") ? schema(s.get("items")) : JsonExprs.VALUE;
        int min = count(s, "minItems", 0);
        int max = count(s, "maxItems", -1);
        if (max >= 0 && max < min) {
            throw refuse("maxItems", "smaller than minItems");
        }
        return JsonExprs.array(item, min, max);
    }

    private Expr string(Map<String, Object> s) {
        int min = count(s, "minLength", 0);
        int max = count(s, "maxLength", -1);
        if (max >= 0 && max < min) {
            throw refuse("maxLength", "smaller than minLength");
        }
        boolean lengths = s.containsKey("minLength") || s.containsKey("maxLength");
        if (s.get("pattern") instanceof String pattern) {
            if (lengths || s.containsKey("format")) {
                throw refuse("pattern", "cannot be combined with minLength/maxLength or format");
            }
            return JsonExprs.quoted(Regex.jsonString(pattern));
        } else if (s.containsKey("pattern")) {
            throw refuse("pattern", "must be a string");
        }
        if (s.containsKey("format")) {
            if (lengths) {
                throw refuse("format", "cannot be combined with minLength/maxLength");
            }
            return JsonExprs.quoted(format(String.valueOf(s.get("format"))));
        }
        return JsonExprs.string(min, max);
    }

    private static Expr format(String format) {
        String date = "\\d{4}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)";
        String time = "(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{1,9})?(?:Z|[+-](?:(?:0\\d|1[0-7]):[0-5]\\d|18:00))";
        String regex = switch (format) {
            case "date" -> date;
            case "date-time" -> date + "T" + time;
            case "time" -> time;
            case "uuid" -> "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
            // RFC 5321 lengths kept well inside (local part ≤ 64, labels ≤ 63), and a real top-level domain
            // (validators check it against the IANA list)
            case "email" -> "[a-zA-Z0-9]{1,16}(?:[._+-][a-zA-Z0-9]{1,16}){0,2}@[a-zA-Z0-9]{1,20}(?:-[a-zA-Z0-9]{1,20})?"
                    + "(?:\\.[a-zA-Z0-9]{1,20}(?:-[a-zA-Z0-9]{1,20})?){0,2}\\."
                    + "(?:com|org|net|io|dev|ai|app|edu|eu|fr|de|uk|ch|nl|it|es)";
            default -> throw refuse("format", "format '" + format + "' is not supported (date, date-time, time, uuid, email)");
        };
        return Regex.raw(regex);
    }

    private Expr integer(Map<String, Object> s) {
        Long lo = bound(s, "minimum", true, false);
        Long hi = bound(s, "maximum", false, false);
        Long xlo = bound(s, "exclusiveMinimum", true, true);
        Long xhi = bound(s, "exclusiveMaximum", false, true);
        if (xlo != null) {
            lo = lo == null ? Long.valueOf(xlo + 1) : Long.valueOf(Math.max(lo, xlo + 1));
        }
        if (xhi != null) {
            hi = hi == null ? Long.valueOf(xhi - 1) : Long.valueOf(Math.min(hi, xhi - 1));
        }
        if (lo != null && hi != null && lo > hi) {
            throw refuse("minimum", "greater than the maximum");
        }
        return lo == null && hi == null ? JsonExprs.INT : Numbers.integer(lo, hi);
    }

    private Expr number(Map<String, Object> s) {
        if (s.containsKey("exclusiveMinimum") || s.containsKey("exclusiveMaximum")) {
            throw refuse(s.containsKey("exclusiveMinimum") ? "exclusiveMinimum" : "exclusiveMaximum",
                    "exclusive bounds are supported on integers only");
        }
        Long lo = bound(s, "minimum", true, false);
        Long hi = bound(s, "maximum", false, false);
        for (String k : List.of("minimum", "maximum")) {
            if (s.get(k) instanceof BigDecimal d && d.stripTrailingZeros().scale() > 0) {
                throw refuse(k, "fractional bounds on numbers are not supported");
            }
        }
        if (lo != null && hi != null && lo > hi) {
            throw refuse("minimum", "greater than the maximum");
        }
        return lo == null && hi == null ? JsonExprs.NUMBER : Numbers.number(lo, hi);
    }

    /** An integer bound (rounded inward for integers), or null. */
    private static Long bound(Map<String, Object> s, String keyword, boolean lower, boolean exclusive) {
        Object v = s.get(keyword);
        if (v == null) {
            return null;
        }
        if (!(v instanceof BigDecimal d)) {
            throw refuse(keyword, "must be a number");
        }
        BigDecimal r = exclusive ? d.setScale(0, lower ? RoundingMode.FLOOR : RoundingMode.CEILING)
                : d.setScale(0, lower ? RoundingMode.CEILING : RoundingMode.FLOOR);
        if (r.abs().compareTo(BigDecimal.valueOf(MAX_BOUND)) > 0) {
            throw refuse(keyword, "bounds beyond ±" + MAX_BOUND + " are not supported");
        }
        return r.longValueExact();
    }

    private static int count(Map<String, Object> s, String keyword, int absent) {
        Object v = s.get(keyword);
        if (v == null) {
            return absent;
        }
        if (!(v instanceof BigDecimal d) || d.signum() < 0 || d.stripTrailingZeros().scale() > 0
                || d.compareTo(BigDecimal.valueOf(MAX_LENGTH)) > 0) {
            throw refuse(keyword, "must be an integer from 0 to " + MAX_LENGTH);
        }
        return d.intValue();
    }

    private static List<String> strings(Object v, String keyword) {
        if (!(v instanceof List<?> l) || !l.stream().allMatch(x -> x instanceof String)) {
            throw refuse(keyword, "must be an array of strings");
        }
        return l.stream().map(String.class::cast).toList();
    }
}
