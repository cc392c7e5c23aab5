package io.sirocco.engine.grammar;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A grammar expression over bytes (and named special tokens), before lowering into a {@link Pda}.
 * Records compare by structure, so equal anonymous sub-expressions share one lowered rule;
 * a {@link Rule} is compared by identity and may refer to itself.
 */
sealed interface Expr {
    Expr EMPTY = new Seq(List.of());

    /** One byte from a set (a 256-bit set in four words). */
    record Bytes(long w0, long w1, long w2, long w3) implements Expr {
        static Bytes range(int lo, int hi) {
            long[] w = new long[4];
            for (int b = lo; b <= hi; b++) {
                w[b >> 6] |= 1L << (b & 63);
            }
            return new Bytes(w[0], w[1], w[2], w[3]);
        }

        static Bytes of(String chars) {
            long[] w = new long[4];
            for (byte b : chars.getBytes(StandardCharsets.ISO_8859_1)) {
                w[(b & 0xff) >> 6] |= 1L << (b & 63);
            }
            return new Bytes(w[0], w[1], w[2], w[3]);
        }

        Bytes minus(Bytes o) {
            return new Bytes(w0 & ~o.w0, w1 & ~o.w1, w2 & ~o.w2, w3 & ~o.w3);
        }

        long[] words() {
            return new long[]{w0, w1, w2, w3};
        }
    }

    /** A control token of the vocabulary, by its piece (e.g. {@code [TOOL_CALLS]}); resolved when bound. */
    record Special(String piece) implements Expr {
    }

    /**
     * A marker: the vocabulary's control token of this piece where it has one, else the piece as text. Replaced
     * by a {@link Special} or a literal before lowering ({@link #resolve}); never inside a {@link Rule}.
     */
    record Marker(String piece) implements Expr {
    }

    record Seq(List<Expr> items) implements Expr {
    }

    record Alt(List<Expr> options) implements Expr {
    }

    /** {@code item} between min and max times; max &lt; 0 means unbounded. */
    record Repeat(Expr item, int min, int max) implements Expr {
    }

    /** A named rule: compared by identity, its body may be set after creation (recursion). */
    final class Rule implements Expr {
        Expr body;

        Rule(Expr body) {
            this.body = body;
        }
    }

    static Expr seq(Expr... items) {
        List<Expr> flat = new ArrayList<>();
        for (Expr e : items) {
            if (e instanceof Seq s) {
                flat.addAll(s.items);
            } else {
                flat.add(e);
            }
        }
        return flat.size() == 1 ? flat.getFirst() : new Seq(List.copyOf(flat));
    }

    static Expr alt(List<Expr> options) {
        List<Expr> distinct = options.stream().distinct().toList();
        return distinct.size() == 1 ? distinct.getFirst() : new Alt(distinct);
    }

    static Expr alt(Expr... options) {
        return alt(Arrays.asList(options));
    }

    static Expr opt(Expr e) {
        return alt(e, EMPTY);
    }

    static Expr repeat(Expr e, int min, int max) {
        return max == 0 ? EMPTY : min == 1 && max == 1 ? e : new Repeat(e, min, max);
    }

    static Expr literal(String text) {
        return bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    static Expr bytes(byte[] b) {
        List<Expr> items = new ArrayList<>(b.length);
        for (byte x : b) {
            items.add(Bytes.range(x & 0xff, x & 0xff));
        }
        return items.size() == 1 ? items.getFirst() : new Seq(List.copyOf(items));
    }

    /** Whether the expression can match the empty string (a rule is followed once; recursion counts as not). */
    static boolean nullable(Expr e) {
        return nullable(e, new java.util.IdentityHashMap<>());
    }

    private static boolean nullable(Expr e, java.util.IdentityHashMap<Rule, Boolean> seen) {
        return switch (e) {
            case Bytes b -> false;
            case Special s -> false;
            case Marker m -> false;
            case Seq s -> s.items.stream().allMatch(x -> nullable(x, seen));
            case Alt a -> a.options.stream().anyMatch(x -> nullable(x, seen));
            case Repeat r -> r.min == 0 || nullable(r.item, seen);
            case Rule r -> {
                if (seen.containsKey(r)) {
                    yield false;
                }
                seen.put(r, Boolean.TRUE);
                yield nullable(r.body, seen);
            }
        };
    }

    /** The marker pieces in {@code e} (rules are not entered: markers sit only in composed grammars). */
    static void markers(Expr e, java.util.Set<String> out) {
        switch (e) {
            case Marker m -> out.add(m.piece());
            case Seq s -> s.items.forEach(x -> markers(x, out));
            case Alt a -> a.options.forEach(x -> markers(x, out));
            case Repeat r -> markers(r.item, out);
            case Bytes b -> { }
            case Special s -> { }
            case Rule r -> { }
        }
    }

    /** {@code e} with each marker as its control token when {@code controls} has the piece, else as its text. */
    static Expr resolve(Expr e, java.util.Set<String> controls) {
        return switch (e) {
            case Marker m -> controls.contains(m.piece()) ? new Special(m.piece()) : literal(m.piece());
            case Seq s -> seq(s.items.stream().map(x -> resolve(x, controls)).toArray(Expr[]::new));
            case Alt a -> alt(a.options.stream().map(x -> resolve(x, controls)).toList());
            case Repeat r -> repeat(resolve(r.item, controls), r.min, r.max);
            case Bytes b -> b;
            case Special s -> s;
            case Rule r -> r;
        };
    }
}
