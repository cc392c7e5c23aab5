package io.sirocco.engine.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * A regular-expression subset (ECMAScript syntax, as JSON Schema's {@code pattern}) compiled into a grammar
 * expression: literals, {@code .}, classes {@code [a-z]}/{@code [^…]}, {@code \d \w \s} (and negations),
 * escapes, groups {@code (…)}/{@code (?:…)}/{@code (?<name>…)}, alternation, and the quantifiers
 * {@code * + ? {n} {n,} {n,m}} (a lazy {@code ?} suffix changes nothing here). {@code ^}/{@code $} are
 * accepted only at the ends. Back-references, look-around and word boundaries are refused.
 *
 * <p>In JSON mode the characters are written as they appear inside a JSON string ({@code "} as {@code \"},
 * control characters as escapes), and the pattern is unanchored unless it starts with {@code ^} / ends with
 * {@code $}, as JSON Schema defines.
 */
final class Regex {
    private static final int MAX_CP = 0x10ffff;
    private static final int[] ANY = {0, MAX_CP};
    private static final int[] DIGIT = {'0', '9'};
    private static final int[] WORD = {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'};
    private static final int[] SPACE = {'\t', '\r', ' ', ' ', 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a,
            0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff};
    private static final int[] DOT = complement(new int[]{'\n', '\n', '\r', '\r', 0x2028, 0x2029});

    private final String p;
    private final boolean json;
    private final String keyword;
    private int i;

    private Regex(String p, boolean json, String keyword) {
        this.p = p;
        this.json = json;
        this.keyword = keyword;
    }

    /** The pattern as a full match over raw text. */
    static Expr raw(String pattern) {
        Regex r = new Regex(pattern, false, "pattern");
        Expr e = r.alternation();
        if (r.i < pattern.length()) {
            throw r.error("unexpected ')'");
        }
        return e;
    }

    /** The pattern as JSON Schema applies it to a string's content (search unless anchored), JSON-escaped. */
    static Expr jsonString(String pattern) {
        boolean start = pattern.startsWith("^");
        boolean end = pattern.endsWith("$") && !pattern.endsWith("\\$");
        String body = pattern.substring(start ? 1 : 0, pattern.length() - (end ? 1 : 0));
        Regex r = new Regex(body, true, "pattern");
        Expr e = r.alternation();
        if (r.i < body.length()) {
            throw r.error("unexpected ')'");
        }
        Expr any = Expr.repeat(JsonExprs.CHAR, 0, -1);
        return Expr.seq(start ? Expr.EMPTY : any, e, end ? Expr.EMPTY : any);
    }

    private GrammarException error(String what) {
        return new GrammarException(keyword, "pattern '" + p + "' at " + i + ": " + what);
    }

    private Expr alternation() {
        List<Expr> alts = new ArrayList<>();
        alts.add(concatenation());
        while (i < p.length() && p.charAt(i) == '|') {
            i++;
            alts.add(concatenation());
        }
        return Expr.alt(alts);
    }

    private Expr concatenation() {
        List<Expr> items = new ArrayList<>();
        while (i < p.length() && p.charAt(i) != '|' && p.charAt(i) != ')') {
            items.add(quantified());
        }
        return Expr.seq(items.toArray(new Expr[0]));
    }

    private Expr quantified() {
        Expr atom = atom();
        if (i >= p.length()) {
            return atom;
        }
        int min;
        int max;
        char c = p.charAt(i);
        if (c == '*' || c == '+' || c == '?') {
            i++;
            min = c == '+' ? 1 : 0;
            max = c == '?' ? 1 : -1;
        } else if (c == '{' && p.indexOf('}', i) > 0 && p.substring(i + 1, p.indexOf('}', i)).matches("\\d+(,\\d*)?")) {
            String[] parts = p.substring(i + 1, p.indexOf('}', i)).split(",", -1);
            i = p.indexOf('}', i) + 1;
            min = Integer.parseInt(parts[0]);
            max = parts.length == 1 ? min : parts[1].isEmpty() ? -1 : Integer.parseInt(parts[1]);
            if (max >= 0 && max < min || Math.max(min, max) > 1000) {
                throw error("repetition {" + String.join(",", parts) + "} out of range (at most 1000)");
            }
        } else {
            return atom;
        }
        if (i < p.length() && p.charAt(i) == '?') {
            i++; // lazy: the same language
        }
        if (i < p.length() && "*+?{".indexOf(p.charAt(i)) >= 0 && p.charAt(i) != '{') {
            throw error("nested quantifier");
        }
        if (max < 0 && Expr.nullable(atom)) {
            throw error("an unbounded repetition of something that can be empty");
        }
        return Expr.repeat(atom, min, max);
    }

    private Expr atom() {
        char c = p.charAt(i);
        switch (c) {
            case '(' -> {
                i++;
                if (p.startsWith("?:", i)) {
                    i += 2;
                } else if (p.startsWith("?<", i) && !p.startsWith("?<=", i) && !p.startsWith("?<!", i)) {
                    int close = p.indexOf('>', i);
                    if (close < 0) {
                        throw error("unterminated group name");
                    }
                    i = close + 1;
                } else if (p.startsWith("?", i)) {
                    throw error("look-around and group flags are not supported");
                }
                Expr e = alternation();
                if (i >= p.length() || p.charAt(i) != ')') {
                    throw error("missing ')'");
                }
                i++;
                return new Expr.Rule(e);
            }
            case '[' -> {
                return chars(charClass());
            }
            case '.' -> {
                i++;
                return chars(DOT);
            }
            case '\\' -> {
                i++;
                return chars(escape(false));
            }
            case '^', '$' -> throw error("anchors are supported only at the start and end");
            case '*', '+', '?' -> throw error("quantifier without a target");
            default -> {
                int cp = p.codePointAt(i);
                i += Character.charCount(cp);
                return chars(new int[]{cp, cp});
            }
        }
    }

    /** After a backslash: a class escape or a single character. */
    private int[] escape(boolean inClass) {
        if (i >= p.length()) {
            throw error("trailing backslash");
        }
        char c = p.charAt(i++);
        return switch (c) {
            case 'd' -> DIGIT;
            case 'D' -> complement(DIGIT);
            case 'w' -> WORD;
            case 'W' -> complement(WORD);
            case 's' -> SPACE;
            case 'S' -> complement(SPACE);
            case 'n' -> single('\n');
            case 'r' -> single('\r');
            case 't' -> single('\t');
            case 'f' -> single('\f');
            case 'v' -> single(0x0b);
            case '0' -> single(0);
            case 'b' -> {
                if (inClass) {
                    yield single('\b');
                }
                throw error("word boundaries are not supported");
            }
            case 'x' -> single(hex(2));
            case 'u' -> single(hex(4));
            default -> {
                if (Character.isLetterOrDigit(c)) {
                    throw error("escape \\" + c + " is not supported");
                }
                yield single(c);
            }
        };
    }

    private int hex(int n) {
        if (i + n > p.length()) {
            throw error("bad hex escape");
        }
        try {
            int v = Integer.parseInt(p.substring(i, i + n), 16);
            i += n;
            return v;
        } catch (NumberFormatException e) {
            throw error("bad hex escape");
        }
    }

    private int[] charClass() {
        i++; // [
        boolean negate = i < p.length() && p.charAt(i) == '^';
        if (negate) {
            i++;
        }
        List<int[]> parts = new ArrayList<>();
        boolean first = true;
        while (true) {
            if (i >= p.length()) {
                throw error("missing ']'");
            }
            char c = p.charAt(i);
            if (c == ']' && !first) {
                i++;
                break;
            }
            first = false;
            int[] lo = classAtom();
            if (lo.length == 2 && lo[0] == lo[1] && i + 1 < p.length() && p.charAt(i) == '-' && p.charAt(i + 1) != ']') {
                i++;
                int[] hi = classAtom();
                if (hi.length != 2 || hi[0] != hi[1] || hi[0] < lo[0]) {
                    throw error("bad range in a class");
                }
                parts.add(new int[]{lo[0], hi[0]});
            } else {
                parts.add(lo);
            }
        }
        int[] set = union(parts);
        return negate ? complement(set) : set;
    }

    private int[] classAtom() {
        char c = p.charAt(i);
        if (c == '\\') {
            i++;
            return escape(true);
        }
        int cp = p.codePointAt(i);
        i += Character.charCount(cp);
        return single(cp);
    }

    private static int[] single(int cp) {
        return new int[]{cp, cp};
    }

    /** Sorted, merged union of range lists. */
    static int[] union(List<int[]> sets) {
        List<int[]> rs = new ArrayList<>();
        for (int[] s : sets) {
            for (int k = 0; k < s.length; k += 2) {
                rs.add(new int[]{s[k], s[k + 1]});
            }
        }
        rs.sort((a, b) -> Integer.compare(a[0], b[0]));
        List<Integer> out = new ArrayList<>();
        for (int[] r : rs) {
            int n = out.size();
            if (n > 0 && r[0] <= out.get(n - 1) + 1) {
                out.set(n - 1, Math.max(out.get(n - 1), r[1]));
            } else {
                out.add(r[0]);
                out.add(r[1]);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    static int[] complement(int[] set) {
        List<Integer> out = new ArrayList<>();
        int next = 0;
        for (int k = 0; k < set.length; k += 2) {
            if (set[k] > next) {
                out.add(next);
                out.add(set[k] - 1);
            }
            next = set[k + 1] + 1;
        }
        if (next <= MAX_CP) {
            out.add(next);
            out.add(MAX_CP);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** One character of the set, as raw UTF-8 or, in JSON mode, as it is written inside a JSON string. */
    private Expr chars(int[] set) {
        if (!json) {
            return Utf8.ranges(set);
        }
        int[] plain = subtract(set, new int[]{0, 0x1f, '"', '"', '\\', '\\'});
        List<Expr> alts = new ArrayList<>();
        alts.add(Utf8.ranges(plain));
        for (int k = 0; k < set.length; k += 2) {
            for (int cp : new int[]{'"', '\\'}) {
                if (set[k] <= cp && cp <= set[k + 1]) {
                    alts.add(Expr.literal("\\" + (char) cp));
                }
            }
            for (int cp = set[k]; cp <= Math.min(set[k + 1], 0x1f); cp++) {
                StringBuilder b = new StringBuilder();
                Json.quote(String.valueOf((char) cp), b);
                alts.add(Expr.literal(b.substring(1, b.length() - 1)));
            }
        }
        return Expr.alt(alts.stream().filter(e -> !(e instanceof Expr.Alt a && a.options().isEmpty())).toList());
    }

    private static int[] subtract(int[] set, int[] minus) {
        int[] c = complement(union(List.of(minus)));
        List<Integer> out = new ArrayList<>();
        for (int a = 0; a < set.length; a += 2) {
            for (int b = 0; b < c.length; b += 2) {
                int lo = Math.max(set[a], c[b]);
                int hi = Math.min(set[a + 1], c[b + 1]);
                if (lo <= hi) {
                    out.add(lo);
                    out.add(hi);
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
