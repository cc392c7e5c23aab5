package io.sirocco.engine.grammar;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Random schemas of the supported subset, each with a generator of valid instances (properties in the
 * schema's order, as the grammar writes them). Strings mix ASCII, quotes, backslashes, control
 * characters and 2-, 3- and 4-byte UTF-8.
 */
final class RandomSchemas {
    /** A schema and a way to make valid instances of it. */
    record Node(Map<String, Object> schema, Function<Random, Object> instance) {
    }

    private static final String[] ALPHABET = {"a", "b", "Z", "0", " ", "\"", "\\", "\n", "\t", "/", "é", "日", "😀", "{", "}", ",", ":", "\u0001"};
    private static final String[] KEYS = {"name", "a b", "é", "q\"uote", "x", "id", "items", "n"};
    private static final List<Object[]> PATTERNS = List.of(
            new Object[]{"^[a-z]{3}-\\d{2}$", List.of("abc-12", "zzz-00")},
            new Object[]{"^(foo|bar)+$", List.of("foo", "barfoo")},
            new Object[]{"ab", List.of("ab", "xxaby\"y")},
            new Object[]{"^\\w+@\\w+\\.com$", List.of("a@b.com", "Z_9@x.com")},
            new Object[]{"^\\d{3}(-\\d{4})?$", List.of("123", "123-4567")},
            new Object[]{"^[^a-c]*$", List.of("", "xyz\"é")},
            new Object[]{"^x?$", List.of("x", "")});
    private static final Map<String, List<String>> FORMATS = Map.of(
            "date", List.of("2024-02-28", "1999-12-31"),
            "date-time", List.of("2024-01-15T12:30:00Z", "2001-07-04T23:59:59.5+02:00"),
            "uuid", List.of("123e4567-e89b-12d3-a456-426614174000"),
            "email", List.of("john.doe@example.com", "a@b.io"));

    private final Random r;
    private final Map<String, Object> defs = new LinkedHashMap<>();

    RandomSchemas(long seed) {
        this.r = new Random(seed);
    }

    /** A root schema (with $defs when a $ref was drawn) and its instance generator. */
    Node root() {
        Node n = node(0);
        if (!defs.isEmpty()) {
            Map<String, Object> s = new LinkedHashMap<>(n.schema);
            s.put("$defs", defs);
            return new Node(s, n.instance);
        }
        return n;
    }

    private Node node(int depth) {
        int kind = r.nextInt(depth >= 3 ? 7 : 11);
        return switch (kind) {
            case 0 -> string();
            case 1 -> integer();
            case 2 -> number();
            case 3 -> new Node(map("type", "boolean"), rr -> rr.nextBoolean());
            case 4 -> new Node(map("type", "null"), rr -> null);
            case 5 -> enumeration();
            case 6 -> special();
            case 7, 8 -> object(depth);
            case 9 -> array(depth);
            default -> combination(depth);
        };
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private String text(Random rr, int min, int max) {
        int n = min + rr.nextInt(Math.max(1, Math.min(max, min + 6) - min + 1));
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(ALPHABET[rr.nextInt(ALPHABET.length)]);
        }
        return b.toString();
    }

    private Node string() {
        return switch (r.nextInt(4)) {
            case 0 -> {
                int min = r.nextInt(3);
                int max = min + r.nextInt(6);
                Map<String, Object> s = map("type", "string");
                if (r.nextBoolean()) {
                    s.put("minLength", min);
                }
                if (r.nextBoolean()) {
                    s.put("maxLength", max);
                }
                int lo = (Integer) s.getOrDefault("minLength", 0);
                int hi = (Integer) s.getOrDefault("maxLength", lo + 6);
                yield new Node(s, rr -> text(rr, lo, hi));
            }
            case 1 -> {
                Object[] p = PATTERNS.get(r.nextInt(PATTERNS.size()));
                @SuppressWarnings("unchecked")
                List<String> ex = (List<String>) p[1];
                yield new Node(map("type", "string", "pattern", p[0]), rr -> ex.get(rr.nextInt(ex.size())));
            }
            case 2 -> {
                String f = List.copyOf(FORMATS.keySet()).get(r.nextInt(FORMATS.size()));
                List<String> ex = FORMATS.get(f);
                yield new Node(map("type", "string", "format", f), rr -> ex.get(rr.nextInt(ex.size())));
            }
            default -> new Node(map("type", "string"), rr -> text(rr, 0, 8));
        };
    }

    private Node integer() {
        Map<String, Object> s = map("type", "integer");
        long lo = r.nextInt(3) == 0 ? -r.nextInt(1_000_000) : -r.nextInt(50);
        long hi = lo + (r.nextBoolean() ? r.nextInt(100) : r.nextInt(5_000_000));
        boolean hasLo = r.nextBoolean();
        boolean hasHi = r.nextBoolean();
        if (hasLo) {
            s.put(r.nextInt(4) == 0 ? "exclusiveMinimum" : "minimum", hasLo && s.isEmpty() ? lo : lo);
        }
        if (hasHi) {
            s.put(r.nextInt(4) == 0 ? "exclusiveMaximum" : "maximum", hi);
        }
        long a = s.containsKey("minimum") ? lo : s.containsKey("exclusiveMinimum") ? lo + 1 : -2_000_000;
        long b = s.containsKey("maximum") ? hi : s.containsKey("exclusiveMaximum") ? hi - 1 : 2_000_000;
        if (a > b) {
            s.remove("exclusiveMaximum");
            s.remove("maximum");
            b = a + 10;
        }
        long fa = a;
        long fb = b;
        return new Node(s, rr -> fa + (long) (rr.nextDouble() * (fb - fa + 1)));
    }

    private Node number() {
        Map<String, Object> s = map("type", "number");
        long lo = -r.nextInt(100);
        long hi = lo + r.nextInt(300);
        boolean bounded = r.nextBoolean();
        if (bounded) {
            s.put("minimum", lo);
            s.put("maximum", hi);
        }
        return new Node(s, rr -> {
            double lo2 = bounded ? lo : -1e6;
            double hi2 = bounded ? hi : 1e6;
            BigDecimal v = BigDecimal.valueOf(lo2 + rr.nextDouble() * (hi2 - lo2)).setScale(rr.nextInt(4), java.math.RoundingMode.DOWN);
            return v.compareTo(BigDecimal.valueOf(lo2)) < 0 ? BigDecimal.valueOf((long) lo2) : v;
        });
    }

    private Node enumeration() {
        List<Object> values = new ArrayList<>();
        values.add(text(r, 0, 4));
        values.add(r.nextInt(100) - 50);
        if (r.nextBoolean()) {
            values.add(null);
        }
        values.add("celsius");
        return r.nextInt(3) == 0 ? new Node(map("const", values.get(0)), rr -> values.get(0))
                : new Node(map("enum", values), rr -> values.get(rr.nextInt(values.size())));
    }

    /** Nullable type arrays and an object without properties (OpenAPI's nullable: the validator does not know it). */
    private Node special() {
        return switch (r.nextInt(3)) {
            case 0 -> new Node(map("type", List.of("string", "null")), rr -> rr.nextBoolean() ? null : text(rr, 0, 4));
            case 1 -> new Node(map("type", List.of("integer", "null")), rr -> rr.nextBoolean() ? null : (long) rr.nextInt(9));
            default -> new Node(map("type", "object"), rr -> map("k", List.of(1, "x", map()), "é", null));
        };
    }

    private Node object(int depth) {
        int n = r.nextInt(4);
        Map<String, Object> props = new LinkedHashMap<>();
        List<String> required = new ArrayList<>();
        List<Node> children = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String k = KEYS[r.nextInt(KEYS.length)];
            if (props.containsKey(k)) {
                continue;
            }
            Node c = node(depth + 1);
            props.put(k, c.schema);
            keys.add(k);
            children.add(c);
            if (r.nextBoolean()) {
                required.add(k);
            }
        }
        Map<String, Object> s = map("type", "object", "properties", props, "required", required,
                "additionalProperties", false);
        return new Node(s, rr -> {
            Map<String, Object> o = new LinkedHashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                if (required.contains(keys.get(i)) || rr.nextBoolean()) {
                    o.put(keys.get(i), children.get(i).instance.apply(rr));
                }
            }
            return o;
        });
    }

    private Node array(int depth) {
        Node item = node(depth + 1);
        Map<String, Object> s = map("type", "array", "items", item.schema);
        int min = r.nextInt(3);
        int max = min + r.nextInt(3);
        boolean hasMin = r.nextBoolean();
        boolean hasMax = r.nextBoolean();
        if (hasMin) {
            s.put("minItems", min);
        }
        if (hasMax) {
            s.put("maxItems", max);
        }
        int lo = hasMin ? min : 0;
        int hi = hasMax ? max : lo + 3;
        return new Node(s, rr -> {
            List<Object> l = new ArrayList<>();
            int count = lo + rr.nextInt(hi - lo + 1);
            for (int i = 0; i < count; i++) {
                l.add(item.instance.apply(rr));
            }
            return l;
        });
    }

    private Node combination(int depth) {
        Node a = node(depth + 1);
        Node b = r.nextBoolean() ? new Node(map("type", "boolean"), rr -> rr.nextBoolean()) : new Node(map("type", "null"), rr -> null);
        switch (r.nextInt(3)) {
            case 0 -> {
                String name = "d" + defs.size();
                defs.put(name, a.schema);
                return new Node(map("$ref", "#/$defs/" + name, "description", "a reference"), a.instance);
            }
            case 1 -> {
                return new Node(map("anyOf", List.of(a.schema, b.schema)), rr -> rr.nextBoolean() ? a.instance.apply(rr) : b.instance.apply(rr));
            }
            default -> {
                // oneOf with a boolean/null branch: exclusive unless `a` also accepts it
                Node c = a.schema.containsKey("type") && !a.schema.get("type").equals("null") && !a.schema.get("type").equals("boolean")
                        && !(a.schema.get("type") instanceof List) && !Boolean.TRUE.equals(a.schema.get("nullable")) ? b : a;
                if (c == a) {
                    return a;
                }
                return new Node(map("oneOf", List.of(a.schema, c.schema)), rr -> rr.nextBoolean() ? a.instance.apply(rr) : c.instance.apply(rr));
            }
        }
    }
}
