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
    private volatile Pda pda;
    private final Map<TokenTrie, Binding> bindings = new ConcurrentHashMap<>();

    /** Recently compiled schemas by their text: a repeated schema reuses its warm masks and transitions. */
    private static final int RECENT_SCHEMAS = 32;
    private static final Map<String, Grammar> RECENT = new java.util.LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Grammar> e) {
            return size() > RECENT_SCHEMAS;
        }
    };
    private static final Grammar JSON_OBJECT = new Grammar(Expr.seq(JsonExprs.WS, JsonExprs.OBJECT));
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

    private static Grammar of(Expr root) {
        synchronized (BUILT) {
            return BUILT.computeIfAbsent(root, Grammar::new);
        }
    }

    private Grammar(Expr root) {
        this.root = root;
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
        Grammar g = new Grammar(Expr.seq(JsonExprs.WS, SchemaCompiler.compile(schemaJson)));
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
        Grammar g = of(Regex.raw(pattern));
        g.pda();
        return g;
    }

    /** Exactly one of the given strings. */
    public static Grammar choice(List<String> options) {
        if (options.isEmpty()) {
            throw new GrammarException("choice", "no options");
        }
        return of(Expr.alt(options.stream().map(Expr::literal).toList()));
    }

    /** Exactly this text. */
    public static Grammar literal(String text) {
        return of(Expr.literal(text));
    }

    /** One control token of the model's vocabulary, by its piece (e.g. {@code "[TOOL_CALLS]"}); resolved per model. */
    public static Grammar special(String piece) {
        return of(new Expr.Special(piece));
    }

    /** Any text (any sequence of text tokens, possibly empty); control tokens other than EOS stay masked. */
    public static Grammar freeText() {
        return of(Expr.repeat(Expr.Bytes.range(0, 255), 0, -1));
    }

    /** Optional JSON whitespace (a space, or a newline and indentation). */
    public static Grammar whitespace() {
        return of(JsonExprs.WS);
    }

    /** The parts one after another. */
    public static Grammar sequence(Grammar... parts) {
        return of(Expr.seq(Arrays.stream(parts).map(g -> g.root).toArray(Expr[]::new)));
    }

    /** Any one of the alternatives (the model chooses). */
    public static Grammar anyOf(Grammar... alternatives) {
        return of(Expr.alt(Arrays.stream(alternatives).map(g -> g.root).toList()));
    }

    /**
     * A matcher for one sequence of a model with this vocabulary. Throws {@link GrammarException} when the
     * grammar names a control token the vocabulary lacks.
     */
    public GrammarMatcher matcher(TokenTrie vocabulary) {
        return new GrammarMatcher(bindings.computeIfAbsent(vocabulary, t -> new Binding(pda(), t)));
    }

    private Pda pda() {
        Pda p = pda;
        if (p == null) {
            synchronized (this) {
                if (pda == null) {
                    pda = Pda.lower(root);
                }
                p = pda;
            }
        }
        return p;
    }
}
