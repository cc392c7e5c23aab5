package io.sirocco.engine.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A lowered grammar run as a pushdown automaton over bytes, determinised lazily: a {@link State} is the
 * set of parse stacks still alive (interned, so equal sets are one object), and its transition on each
 * byte is computed once and cached. Inside a JSON string, say, every ordinary byte leads back to the same
 * state, so after warm-up advancing is one array load per byte.
 *
 * <p>Program layout: {@code code} holds each alternative as a run of elements ending in {@link #END};
 * an element &ge; 0 is a terminal class, {@code -2 - r} calls rule r. Thread-safe: computing a new
 * transition (the cold path) holds the automaton's lock; reading a cached one does not (a slot is only
 * ever written with the one interned state, whose fields are final).
 */
final class Pda {
    static final int END = -1;
    private static final int MAX_DEPTH = 4096;
    /** Interned states per grammar before the tables start over (~50 MB at most with their transition slots). */
    private static final int MAX_STATES = 50_000;

    final int[] code;
    final int[][] ruleAlts;
    /** Per terminal class: its byte set (4 words), or null for a special token. */
    final long[][] classBytes;
    /** Per terminal class: the special token's piece, or null for a byte class. */
    final String[] classSpecial;
    final State initial;
    final State dead;
    /** Bytes that belong to exactly the same terminal classes share an id: a state has one transition per id. */
    private final int[] byteGroup = new int[256];
    private final int groups;

    // interning tables and the expansion stamp: guarded by this
    private int ids = 1;
    private int stamp;
    private Map<Long, Frame> frames = new HashMap<>();
    private Map<StateKey, State> states = new HashMap<>();

    /** One stack entry: a position in {@code code} and the caller's entry (return address). */
    static final class Frame {
        final int pos;
        final Frame parent;
        final int id;
        /** The expansion that last visited this frame (guarded by the automaton's lock). */
        int seen;

        Frame(int pos, Frame parent, int id) {
            this.pos = pos;
            this.parent = parent;
            this.id = id;
        }
    }

    /** A set of live stacks (each topped by a terminal), plus whether a stack has finished (accepting). */
    static final class State {
        final Frame[] tops;
        final boolean accepting;
        final State[] next;

        State(Frame[] tops, boolean accepting, int groups) {
            this.tops = tops;
            this.accepting = accepting;
            this.next = new State[groups];
        }

        /** Whether any text keeps it as it is (see {@link Pda#freeText}): 0 not known yet, 1 yes, 2 no. */
        volatile int free;

        /** Accepting with nothing that could follow. */
        boolean complete() {
            return accepting && tops.length == 0;
        }
    }

    private record StateKey(int[] ids, boolean accepting) {
        @Override
        public boolean equals(Object o) {
            return o instanceof StateKey k && k.accepting == accepting && Arrays.equals(k.ids, ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids) * 2 + (accepting ? 1 : 0);
        }
    }

    private Pda(int[] code, int[][] ruleAlts, long[][] classBytes, String[] classSpecial, int root) {
        this.code = code;
        this.ruleAlts = ruleAlts;
        this.classBytes = classBytes;
        this.classSpecial = classSpecial;
        Map<java.util.BitSet, Integer> signatures = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            java.util.BitSet sig = new java.util.BitSet();
            for (int c = 0; c < classBytes.length; c++) {
                if (classBytes[c] != null && (classBytes[c][b >> 6] >>> (b & 63) & 1) != 0) {
                    sig.set(c);
                }
            }
            byteGroup[b] = signatures.computeIfAbsent(sig, k -> signatures.size());
        }
        this.groups = signatures.size();
        this.dead = new State(new Frame[0], false, groups);
        synchronized (this) {
            Expansion x = new Expansion();
            for (int a : ruleAlts[root]) {
                x.expand(a, null, 0);
            }
            this.initial = x.state();
        }
    }

    /**
     * Whether {@code s} is free text: accepting, and every byte leads back to it, so whatever follows is still a full
     * match. Computed once per state (a race computes the same answer twice).
     */
    boolean freeText(State s) {
        int f = s.free;
        if (f == 0) {
            boolean free = s.accepting;
            for (int b = 0; free && b < 256; b++) {
                free = step(s, b) == s;
            }
            s.free = f = free ? 1 : 2;
        }
        return f == 1;
    }

    /** The state after one byte; {@link #dead} when no stack accepts it. */
    State step(State s, int b) {
        int g = byteGroup[b];
        State n = s.next[g];
        return n != null ? n : computeStep(s, b, g);
    }

    private synchronized State computeStep(State s, int b, int g) {
        State n = s.next[g];
        if (n == null) {
            Expansion x = null;
            for (Frame f : s.tops) {
                long[] set = classBytes[code[f.pos]];
                if (set != null && (set[b >> 6] >>> (b & 63) & 1) != 0) {
                    x = x == null ? new Expansion() : x;
                    x.expand(f.pos + 1, f.parent, 0);
                }
            }
            n = x == null ? dead : x.state();
            s.next[g] = n;
        }
        return n;
    }

    /** The state after a special token (not cached: rare). */
    synchronized State stepSpecial(State s, String piece) {
        Expansion x = new Expansion();
        for (Frame f : s.tops) {
            if (piece.equals(classSpecial[code[f.pos]])) {
                x.expand(f.pos + 1, f.parent, 0);
            }
        }
        return x.state();
    }

    private Frame frame(int pos, Frame parent) {
        // multiplying by an odd constant is a bijection that spreads (pos, parent) over Long.hashCode's bits
        long key = ((long) pos << 32 | (parent == null ? 0 : parent.id)) * 0x9E3779B97F4A7C15L;
        Frame f = frames.get(key);
        if (f == null) {
            f = new Frame(pos, parent, ids++);
            frames.put(key, f);
        }
        return f;
    }

    /** Collects the stacks reached from positions, following rule calls and returns without input (under the lock). */
    private final class Expansion {
        final List<Frame> tops = new ArrayList<>();
        final int mark = ++stamp;
        boolean accepting;

        void expand(int pos, Frame parent, int depth) {
            if (depth > MAX_DEPTH) {
                throw new GrammarException("grammar", "grammar nests more than " + MAX_DEPTH + " levels deep");
            }
            Frame f = frame(pos, parent);
            if (f.seen == mark) {
                return;
            }
            f.seen = mark;
            int c = code[pos];
            if (c >= 0) {
                tops.add(f);
            } else if (c == END) {
                if (parent == null) {
                    accepting = true;
                } else {
                    expand(parent.pos + 1, parent.parent, depth + 1);
                }
            } else {
                // a call in tail position returns where its caller returns: the stack does not grow, so a loop
                // (x*, free text) stays one state however long it runs
                Frame ret = code[pos + 1] == END ? parent : f;
                for (int a : ruleAlts[-2 - c]) {
                    expand(a, ret, depth + 1);
                }
            }
        }

        State state() {
            if (tops.isEmpty() && !accepting) {
                return dead;
            }
            Frame[] t = tops.toArray(new Frame[0]);
            Arrays.sort(t, (a, b) -> Integer.compare(a.id, b.id));
            int[] key = new int[t.length];
            for (int i = 0; i < t.length; i++) {
                key[i] = t[i].id;
            }
            if (states.size() > MAX_STATES) {
                // bound memory: start a new generation (live states keep working, only sharing is lost)
                states = new HashMap<>();
                frames = new HashMap<>();
            }
            return states.computeIfAbsent(new StateKey(key, accepting), k -> new State(t, k.accepting, groups));
        }
    }

    /** Lowers an expression tree into a program. */
    static Pda lower(Expr root) {
        return new Lowering().run(root);
    }

    private static final class Lowering {
        final List<Integer> code = new ArrayList<>();
        final List<int[]> ruleAlts = new ArrayList<>();
        final Map<Expr, Integer> anonymous = new HashMap<>();
        final IdentityHashMap<Expr.Rule, Integer> named = new IdentityHashMap<>();
        final Map<Object, Integer> classes = new HashMap<>();
        final List<long[]> classBytes = new ArrayList<>();
        final List<String> classSpecial = new ArrayList<>();
        final List<Expr> pending = new ArrayList<>();

        Pda run(Expr root) {
            int r = rule(root);
            for (int i = 0; i < pending.size(); i++) {
                define(i, pending.get(i));
            }
            return new Pda(code.stream().mapToInt(Integer::intValue).toArray(), ruleAlts.toArray(new int[0][]),
                    classBytes.toArray(new long[0][]), classSpecial.toArray(new String[0]), r);
        }

        int rule(Expr e) {
            Integer id = e instanceof Expr.Rule r ? named.get(r) : anonymous.get(e);
            if (id == null) {
                id = pending.size();
                pending.add(e);
                ruleAlts.add(null);
                if (e instanceof Expr.Rule r) {
                    named.put(r, id);
                } else {
                    anonymous.put(e, id);
                }
            }
            return id;
        }

        void define(int id, Expr e) {
            List<Expr> alts = switch (e) {
                case Expr.Rule r -> r.body instanceof Expr.Alt a ? a.options() : List.of(r.body);
                case Expr.Alt a -> a.options();
                case Expr.Repeat rep -> List.of(repeatBody(rep));
                default -> List.of(e);
            };
            int[] starts = new int[alts.size()];
            for (int i = 0; i < starts.length; i++) {
                starts[i] = code.size();
                emit(alts.get(i));
                code.add(END);
            }
            ruleAlts.set(id, starts);
        }

        /** {@code x{min,max}} as x × min followed by a chain of optional x (or a loop when unbounded). */
        private Expr repeatBody(Expr.Repeat rep) {
            Expr x = rep.item() instanceof Expr.Bytes ? rep.item() : new Expr.Rule(rep.item());
            if (rep.max() < 0 && Expr.nullable(rep.item())) {
                throw new GrammarException("pattern", "an unbounded repetition of something that can be empty");
            }
            Expr tail;
            if (rep.max() < 0) {
                Expr.Rule loop = new Expr.Rule(null);
                loop.body = Expr.alt(Expr.seq(x, loop), Expr.EMPTY);
                tail = loop;
            } else {
                tail = Expr.EMPTY;
                for (int k = rep.min(); k < rep.max(); k++) {
                    tail = new Expr.Rule(Expr.alt(Expr.seq(x, tail), Expr.EMPTY));
                }
            }
            List<Expr> items = new ArrayList<>();
            for (int k = 0; k < rep.min(); k++) {
                items.add(x);
            }
            items.add(tail);
            return Expr.seq(items.toArray(new Expr[0]));
        }

        void emit(Expr e) {
            switch (e) {
                case Expr.Seq s -> s.items().forEach(this::emit);
                case Expr.Bytes b -> code.add(terminal(b, b.words(), null));
                case Expr.Special s -> code.add(terminal(s, null, s.piece()));
                case Expr.Marker m -> throw new IllegalStateException("marker " + m.piece() + " not resolved");
                default -> code.add(-2 - rule(e));
            }
        }

        int terminal(Object key, long[] bytes, String special) {
            return classes.computeIfAbsent(key, k -> {
                classBytes.add(bytes);
                classSpecial.add(special);
                return classBytes.size() - 1;
            });
        }
    }
}
