package io.sirocco.engine.grammar;

import io.sirocco.engine.OutputConstraint;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A constraint on generated text, compiled once and usable by many sequences and models: a JSON Schema,
 * any JSON object, a regular expression, a choice of strings, control tokens, and combinations of these.
 * Put it on {@link io.sirocco.engine.GenerationParams#grammar()}; the engine then only samples tokens that
 * keep the output a prefix of some match, and allows EOS only once the output is a full match.
 *
 * <p>Immutable and thread-safe. Token masks are cached per grammar and vocabulary, so reusing one
 * {@code Grammar} object for requests with the same schema makes later requests faster.
 */
public final class Grammar implements OutputConstraint {
    private final Expr root;
    /** How this grammar was built, so another process can build it again ({@link #spec()}). */
    private final Spec spec;
    private volatile Pda pda;
    private final Map<TokenTrie, Binding> bindings = new ConcurrentHashMap<>();
    /** Automata with some markers as control tokens, by those markers. */
    private final Map<java.util.Set<String>, Pda> variants = new ConcurrentHashMap<>();

    /** Recently compiled schemas by their text: a repeated schema reuses its warm masks and transitions. */
    private static final int RECENT_SCHEMAS = 32;
    private static final Map<String, Grammar> RECENT = new java.util.LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Grammar> e) {
            return size() > RECENT_SCHEMAS;
        }
    };
    private static final Grammar JSON_OBJECT = new Grammar(Expr.seq(JsonExprs.WS, JsonExprs.OBJECT),
            Spec.leaf(Spec.Kind.JSON_OBJECT, null));
    /**
     * Recently built grammars by structure: composing the same parts again (a request's tool-call grammar
     * from cached schemas, say) gives the same object, with its warm masks. Expressions compare by value
     * down to named rules, which compare by identity, so this never merges different grammars.
     */
    private static final int RECENT_GRAMMARS = 64;
    private static final Map<Expr, Grammar> BUILT = new java.util.LinkedHashMap<>(128, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Expr, Grammar> e) {
            return size() > RECENT_GRAMMARS;
        }
    };

    /**
     * How a grammar is built from the public factories, as plain data: what a gateway sends a worker, which
     * {@link #of(Spec)} builds into the same grammar there. Only {@code text} or {@code parts} is set, as the kind
     * needs ({@code parts} of {@code CHOICE} are {@code LITERAL}s).
     */
    public record Spec(Kind kind, String text, List<Spec> parts) {
        public enum Kind {
            JSON_SCHEMA, JSON_OBJECT, REGEX, CHOICE, LITERAL, SPECIAL, MARKER, FREE_TEXT, WHITESPACE, SEQUENCE, ANY_OF
        }

        public Spec {
            parts = parts == null ? List.of() : List.copyOf(parts);
        }

        static Spec leaf(Kind kind, String text) {
            return new Spec(kind, text, List.of());
        }

        static Spec of(Kind kind, Grammar... parts) {
            return new Spec(kind, null, Arrays.stream(parts).map(g -> g.spec).toList());
        }
    }

    private static Grammar of(Expr root, Spec spec) {
        synchronized (BUILT) {
            return BUILT.computeIfAbsent(root, r -> new Grammar(r, spec));
        }
    }

    private Grammar(Expr root, Spec spec) {
        this.root = root;
        this.spec = spec;
    }

    /**
     * What rebuilds this grammar with {@link #of(Spec)}. Grammars equal by structure are one object, so the spec
     * may be another recipe of the same grammar (a one-option choice and a literal, say).
     */
    public Spec spec() {
        return spec;
    }

    /**
     * The grammar a {@link #spec()} describes, through the same factories (and their caches, so a worker's repeated
     * schemas stay warm). Throws {@link GrammarException} for a malformed spec or what the factories refuse.
     */
    public static Grammar of(Spec spec) {
        if (spec == null || spec.kind() == null) {
            throw new GrammarException("grammar", "a grammar spec needs a kind");
        }
        return switch (spec.kind()) {
            case JSON_SCHEMA -> jsonSchema(text(spec));
            case JSON_OBJECT -> jsonObject();
            case REGEX -> regex(text(spec));
            case CHOICE -> choice(spec.parts().stream().map(Grammar::text).toList());
            case LITERAL -> literal(text(spec));
            case SPECIAL -> special(text(spec));
            case MARKER -> marker(text(spec));
            case FREE_TEXT -> freeText();
            case WHITESPACE -> whitespace();
            case SEQUENCE -> sequence(spec.parts().stream().map(Grammar::of).toArray(Grammar[]::new));
            case ANY_OF -> anyOf(spec.parts().stream().map(Grammar::of).toArray(Grammar[]::new));
        };
    }

    private static String text(Spec spec) {
        if (spec.text() == null) {
            throw new GrammarException("grammar", "a " + spec.kind() + " grammar spec needs its text");
        }
        return spec.text();
    }

    /**
     * A JSON value valid against a JSON Schema (the structured-output subset: see docs/engine.md).
     * Throws {@link GrammarException} naming the keyword it cannot enforce, or {@code "schema"} for
     * invalid JSON or a schema over the limits (64 KiB, 1,000 nodes).
     */
    public static Grammar jsonSchema(String schemaJson) {
        synchronized (RECENT) {
            Grammar cached = RECENT.get(schemaJson);
            if (cached != null) {
                return cached;
            }
        }
        Grammar g = new Grammar(Expr.seq(JsonExprs.WS, SchemaCompiler.compile(schemaJson)),
                Spec.leaf(Spec.Kind.JSON_SCHEMA, schemaJson));
        g.pda(); // surface lowering errors now, not at the first token
        synchronized (RECENT) {
            RECENT.put(schemaJson, g);
        }
        return g;
    }

    /** Any JSON object (JSON mode); one shared instance, so its masks stay warm. */
    public static Grammar jsonObject() {
        return JSON_OBJECT;
    }

    /** Text fully matching a regular expression (see {@link Regex} for the subset); raw bytes, not JSON. */
    public static Grammar regex(String pattern) {
        Grammar g = of(Regex.raw(pattern), Spec.leaf(Spec.Kind.REGEX, pattern));
        g.pda();
        return g;
    }

    /** Exactly one of the given strings. */
    public static Grammar choice(List<String> options) {
        if (options.isEmpty()) {
            throw new GrammarException("choice", "no options");
        }
        return of(Expr.alt(options.stream().map(Expr::literal).toList()), new Spec(Spec.Kind.CHOICE, null,
                options.stream().map(o -> Spec.leaf(Spec.Kind.LITERAL, o)).toList()));
    }

    /** Exactly this text. */
    public static Grammar literal(String text) {
        return of(Expr.literal(text), Spec.leaf(Spec.Kind.LITERAL, text));
    }

    /** One control token of the model's vocabulary, by its piece (e.g. {@code "[TOOL_CALLS]"}); resolved per model. */
    public static Grammar special(String piece) {
        return of(new Expr.Special(piece), Spec.leaf(Spec.Kind.SPECIAL, piece));
    }

    /**
     * The model's own control token of this piece where its vocabulary has one (Mistral's {@code [TOOL_CALLS]} in a
     * v3 tokenizer, say), else the piece spelled as text: so one grammar asks each model for its own form.
     */
    public static Grammar marker(String piece) {
        return of(new Expr.Marker(piece), Spec.leaf(Spec.Kind.MARKER, piece));
    }

    /** Any text (any sequence of text tokens, possibly empty); control tokens other than EOS stay masked. */
    public static Grammar freeText() {
        return of(Expr.repeat(Expr.Bytes.range(0, 255), 0, -1), Spec.leaf(Spec.Kind.FREE_TEXT, null));
    }

    /** Optional JSON whitespace (a space, or a newline and indentation). */
    public static Grammar whitespace() {
        return of(JsonExprs.WS, Spec.leaf(Spec.Kind.WHITESPACE, null));
    }

    /** The parts one after another. */
    public static Grammar sequence(Grammar... parts) {
        return of(Expr.seq(Arrays.stream(parts).map(g -> g.root).toArray(Expr[]::new)), Spec.of(Spec.Kind.SEQUENCE, parts));
    }

    /** Any one of the alternatives (the model chooses). */
    public static Grammar anyOf(Grammar... alternatives) {
        return of(Expr.alt(Arrays.stream(alternatives).map(g -> g.root).toList()), Spec.of(Spec.Kind.ANY_OF, alternatives));
    }

    /**
     * A matcher for one sequence of a model with this vocabulary. Throws {@link GrammarException} when the
     * grammar names a control token the vocabulary lacks.
     */
    public GrammarMatcher matcher(TokenTrie vocabulary) {
        return new GrammarMatcher(bindings.computeIfAbsent(vocabulary, t -> new Binding(pdaFor(t), t)));
    }

    /** The automaton with every marker as text (the only one when the grammar has no markers). */
    private Pda pda() {
        Pda p = pda;
        if (p == null) {
            synchronized (this) {
                if (pda == null) {
                    pda = Pda.lower(Expr.resolve(root, java.util.Set.of()));
                }
                p = pda;
            }
        }
        return p;
    }

    /** The automaton for a vocabulary: its markers as the control tokens it has (one automaton per such set). */
    private Pda pdaFor(TokenTrie vocabulary) {
        java.util.Set<String> markers = new java.util.HashSet<>();
        Expr.markers(root, markers);
        markers.retainAll(vocabulary.specials.keySet());
        if (markers.isEmpty()) {
            return pda();
        }
        return variants.computeIfAbsent(java.util.Set.copyOf(markers), m -> Pda.lower(Expr.resolve(root, m)));
    }
}
