package io.sirocco.engine.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * The pieces of JSON text as grammar expressions. Whitespace is limited to what models write (an optional
 * space, or a newline and up to 20 spaces/tabs), numbers to 16 integer and 16 fraction digits, so a
 * constrained generation cannot wander forever in padding or digits.
 */
final class JsonExprs {
    static final int MAX_DIGITS = 16;
    static final Expr WS = Expr.alt(Expr.EMPTY, Expr.literal(" "),
            Expr.seq(Expr.literal("\n"), Expr.repeat(Expr.Bytes.of(" \t"), 0, 20)));
    static final Expr DIGIT = Expr.Bytes.range('0', '9');
    static final Expr HEX = Expr.alt(Expr.Bytes.range('0', '9'), Expr.Bytes.range('a', 'f'), Expr.Bytes.range('A', 'F'));

    /** One character inside a JSON string: unescaped (not ", \ or a control), or an escape (no lone surrogates). */
    static final Expr CHAR = new Expr.Rule(Expr.alt(
            Utf8.ranges(new int[]{0x20, 0x21, 0x23, 0x5b, 0x5d, 0x10ffff}),
            Expr.seq(Expr.literal("\\"), Expr.alt(Expr.Bytes.of("\"\\/bfnrt"),
                    Expr.seq(Expr.literal("u"), Expr.alt(
                            Expr.seq(Expr.alt(Expr.Bytes.range('0', '9'), Expr.Bytes.of("abcABCefEF")), HEX, HEX, HEX),
                            Expr.seq(Expr.Bytes.of("dD"), Expr.Bytes.range('0', '7'), HEX, HEX)))))));

    static final Expr INT = Expr.seq(Expr.opt(Expr.literal("-")),
            Expr.alt(Expr.literal("0"), Expr.seq(Expr.Bytes.range('1', '9'), Expr.repeat(DIGIT, 0, MAX_DIGITS - 1))));
    static final Expr FRACTION = Expr.seq(Expr.literal("."), Expr.repeat(DIGIT, 1, MAX_DIGITS));
    static final Expr NUMBER = Expr.seq(INT, Expr.opt(FRACTION),
            Expr.opt(Expr.seq(Expr.Bytes.of("eE"), Expr.opt(Expr.Bytes.of("+-")), Expr.repeat(DIGIT, 1, 2))));
    static final Expr STRING = string(0, -1);
    static final Expr BOOLEAN = Expr.alt(Expr.literal("true"), Expr.literal("false"));
    static final Expr NULL = Expr.literal("null");

    /** Any JSON value (recursive). */
    static final Expr.Rule VALUE = new Expr.Rule(null);
    /** Any JSON object. */
    static final Expr OBJECT;

    static {
        Expr member = Expr.seq(STRING, WS, Expr.literal(":"), WS, VALUE);
        OBJECT = new Expr.Rule(Expr.seq(Expr.literal("{"), WS, Expr.opt(Expr.seq(member, WS,
                Expr.repeat(Expr.seq(Expr.literal(","), WS, member, WS), 0, -1))), Expr.literal("}")));
        Expr array = Expr.seq(Expr.literal("["), WS, Expr.opt(Expr.seq(VALUE, WS,
                Expr.repeat(Expr.seq(Expr.literal(","), WS, VALUE, WS), 0, -1))), Expr.literal("]"));
        VALUE.body = Expr.alt(OBJECT, array, STRING, NUMBER, BOOLEAN, NULL);
    }

    private JsonExprs() {
    }

    /** A JSON string of min..max characters (max &lt; 0: unbounded). */
    static Expr string(int min, int max) {
        return Expr.seq(Expr.literal("\""), Expr.repeat(CHAR, min, max), Expr.literal("\""));
    }

    /** A JSON string whose content is {@code content} (an expression over the string's JSON-encoded bytes). */
    static Expr quoted(Expr content) {
        return Expr.seq(Expr.literal("\""), content, Expr.literal("\""));
    }

    /** {@code [ item, item, … ]} with min..max items (max &lt; 0: unbounded). */
    static Expr array(Expr item, int min, int max) {
        Expr more = Expr.seq(Expr.literal(","), WS, item, WS);
        Expr body;
        if (max == 0) {
            body = Expr.EMPTY;
        } else {
            Expr some = Expr.seq(item, WS, Expr.repeat(more, Math.max(0, min - 1), max < 0 ? -1 : max - 1));
            body = min == 0 ? Expr.opt(some) : some;
        }
        return Expr.seq(Expr.literal("["), WS, body, Expr.literal("]"));
    }

    /**
     * An object with properties in the given order: required ones always, optional ones maybe, commas between.
     * {@code rest}, when not null, allows any further members {@code "key": rest} (only without declared properties).
     */
    static Expr object(List<String> keys, List<Expr> values, List<Boolean> required, Expr rest) {
        List<Expr> members = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            StringBuilder k = new StringBuilder();
            Json.quote(keys.get(i), k);
            members.add(Expr.seq(Expr.literal(k.toString()), WS, Expr.literal(":"), WS, values.get(i), WS));
        }
        Expr body;
        if (rest != null) {
            Expr member = Expr.seq(STRING, WS, Expr.literal(":"), WS, rest, WS);
            body = Expr.opt(Expr.seq(member, Expr.repeat(Expr.seq(Expr.literal(","), WS, member), 0, -1)));
        } else {
            body = members(members, required, 0, false, new Expr[members.size() + 1][2]);
        }
        return Expr.seq(Expr.literal("{"), WS, body, Expr.literal("}"));
    }

    /** Members from i on; {@code comma}: whether one is needed before the next member. One rule per (i, comma). */
    private static Expr members(List<Expr> members, List<Boolean> required, int i, boolean comma, Expr[][] memo) {
        if (i == members.size()) {
            return Expr.EMPTY;
        }
        int c = comma ? 1 : 0;
        if (memo[i][c] == null) {
            Expr take = Expr.seq(comma ? Expr.seq(Expr.literal(","), WS) : Expr.EMPTY, members.get(i),
                    members(members, required, i + 1, true, memo));
            memo[i][c] = new Expr.Rule(required.get(i) ? take
                    : Expr.alt(take, members(members, required, i + 1, comma, memo)));
        }
        return memo[i][c];
    }
}
