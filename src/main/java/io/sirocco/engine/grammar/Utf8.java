package io.sirocco.engine.grammar;

import java.util.ArrayList;
import java.util.List;

/** Code-point ranges as UTF-8 byte-sequence expressions (surrogates excluded), RE2's splitting method. */
final class Utf8 {
    private static final int[] MAX = {0x7f, 0x7ff, 0xffff, 0x10ffff};

    private Utf8() {
    }

    /** An expression for one code point in [lo, hi]. */
    static Expr range(int lo, int hi) {
        List<Expr> out = new ArrayList<>();
        add(lo, hi, out);
        return out.isEmpty() ? new Expr.Alt(List.of()) : Expr.alt(out);
    }

    /** An expression for one code point in any of the sorted, disjoint ranges {@code [r[2i], r[2i+1]]}. */
    static Expr ranges(int[] r) {
        List<Expr> out = new ArrayList<>();
        for (int i = 0; i < r.length; i += 2) {
            add(r[i], r[i + 1], out);
        }
        return out.isEmpty() ? new Expr.Alt(List.of()) : Expr.alt(out);
    }

    private static void add(int lo, int hi, List<Expr> out) {
        if (lo > hi) {
            return;
        }
        if (lo <= 0xdfff && hi >= 0xd800) { // no surrogates
            add(lo, 0xd7ff, out);
            add(0xe000, hi, out);
            return;
        }
        for (int m : MAX) {
            if (lo <= m && hi > m) {
                add(lo, m, out);
                add(m + 1, hi, out);
                return;
            }
        }
        int n = length(lo);
        if (n == 1) {
            out.add(Expr.Bytes.range(lo, hi));
            return;
        }
        for (int i = 1; i < n; i++) {
            int m = (1 << (6 * i)) - 1;
            if ((lo & ~m) != (hi & ~m)) {
                if ((lo & m) != 0) {
                    add(lo, lo | m, out);
                    add((lo | m) + 1, hi, out);
                    return;
                }
                if ((hi & m) != m) {
                    add(lo, (hi & ~m) - 1, out);
                    add(hi & ~m, hi, out);
                    return;
                }
            }
        }
        byte[] a = encode(lo);
        byte[] b = encode(hi);
        Expr[] seq = new Expr[n];
        for (int k = 0; k < n; k++) {
            seq[k] = Expr.Bytes.range(a[k] & 0xff, b[k] & 0xff);
        }
        out.add(Expr.seq(seq));
    }

    private static int length(int cp) {
        return cp <= 0x7f ? 1 : cp <= 0x7ff ? 2 : cp <= 0xffff ? 3 : 4;
    }

    private static byte[] encode(int cp) {
        return new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
