package io.sirocco.engine.grammar;

import java.util.ArrayList;
import java.util.List;

/** JSON integers and numbers within integer bounds, as grammar expressions (digit-range splitting). */
final class Numbers {
    /** Beyond this many digits a bound is not representable here (longs). */
    private static final int MAX_LEN = 18;

    private Numbers() {
    }

    /** Integers in [lo, hi]; null = unbounded on that side. */
    static Expr integer(Long lo, Long hi) {
        List<Expr> alts = new ArrayList<>();
        if (hi == null || hi >= 0) {
            alts.add(magnitudes(lo == null || lo < 0 ? 0 : lo, hi));
        }
        if (lo == null || lo < 0) {
            long mlo = hi != null && hi < 0 ? -hi : 1;
            alts.add(Expr.seq(Expr.literal("-"), magnitudes(mlo, lo == null ? null : -lo)));
        }
        return Expr.alt(alts);
    }

    /** Numbers in [lo, hi] (integer bounds; null = unbounded), written without exponent. */
    static Expr number(Long lo, Long hi) {
        List<Expr> alts = new ArrayList<>();
        if (hi == null || hi >= 0) {
            alts.add(fractional(lo == null || lo < 0 ? 0 : lo, hi));
        }
        if (lo == null || lo < 0) {
            alts.add(Expr.seq(Expr.literal("-"), fractional(hi != null && hi < 0 ? -hi : 0, lo == null ? null : -lo)));
        }
        return Expr.alt(alts);
    }

    /** Non-negative decimals in [lo, hi]: an integer part below hi with any fraction, or hi with a zero fraction. */
    private static Expr fractional(long lo, Long hi) {
        Expr frac = Expr.opt(JsonExprs.FRACTION);
        if (hi == null) {
            return Expr.seq(magnitudes(lo, null), frac);
        }
        List<Expr> alts = new ArrayList<>();
        if (hi > lo) {
            alts.add(Expr.seq(magnitudes(lo, hi - 1), frac));
        }
        alts.add(Expr.seq(Expr.literal(Long.toString(hi)),
                Expr.opt(Expr.seq(Expr.literal("."), Expr.repeat(Expr.literal("0"), 1, JsonExprs.MAX_DIGITS)))));
        return Expr.alt(alts);
    }

    /** Digits of the non-negative integers in [lo, hi] (hi null: unbounded, up to 18 digits), no leading zeros. */
    static Expr magnitudes(long lo, Long hi) {
        List<Expr> alts = new ArrayList<>();
        int from = Long.toString(lo).length();
        int to = hi == null ? MAX_LEN : Long.toString(hi).length();
        for (int d = from; d <= to; d++) {
            long min = Math.max(lo, d == 1 ? 0 : pow10(d - 1));
            long max = d >= MAX_LEN + 1 ? Long.MAX_VALUE : pow10(d) - 1;
            if (hi != null) {
                max = Math.min(max, hi);
            }
            if (min <= max) {
                alts.add(sameLength(Long.toString(min), Long.toString(max)));
            }
        }
        return Expr.alt(alts);
    }

    private static long pow10(int n) {
        long v = 1;
        for (int k = 0; k < n; k++) {
            v *= 10;
        }
        return v;
    }

    /** Digit strings of one length between lo and hi inclusive. */
    private static Expr sameLength(String lo, String hi) {
        if (lo.isEmpty()) {
            return Expr.EMPTY;
        }
        char a = lo.charAt(0);
        char b = hi.charAt(0);
        String loRest = lo.substring(1);
        String hiRest = hi.substring(1);
        if (a == b) {
            return Expr.seq(Expr.literal(String.valueOf(a)), sameLength(loRest, hiRest));
        }
        String nines = "9".repeat(loRest.length());
        String zeros = "0".repeat(hiRest.length());
        if (loRest.equals(zeros) && hiRest.equals(nines)) {
            return Expr.seq(Expr.Bytes.range(a, b), Expr.repeat(JsonExprs.DIGIT, loRest.length(), loRest.length()));
        }
        List<Expr> alts = new ArrayList<>();
        alts.add(Expr.seq(Expr.literal(String.valueOf(a)), sameLength(loRest, nines)));
        if (b - a > 1) {
            alts.add(Expr.seq(Expr.Bytes.range(a + 1, b - 1), Expr.repeat(JsonExprs.DIGIT, loRest.length(), loRest.length())));
        }
        alts.add(Expr.seq(Expr.literal(String.valueOf(b)), sameLength(zeros, hiRest)));
        return Expr.alt(alts);
    }
}
