package io.sirocco.engine.quant;

import io.sirocco.engine.gguf.GgmlType;

/**
 * Reference quantizers of the grid i-quants (layouts in {@link IQuantBlocks}), so that tests can write
 * such files. This is the project's own method, not llama.cpp's: llama.cpp quantizes IQ2/IQ1 only with
 * an importance matrix, and its files are read here, not reproduced. Per scale group (16 or 32 values)
 * a few unit scales u around max|x|/max(grid) are tried; for each, every 8 (IQ3: 4) values take their
 * nearest lattice point of |x|/u (IQ1: of x/u − delta/8), and u is refitted by least squares. The
 * super-block scale d maps the largest u to the top 4-bit (IQ1: 3-bit) scale; then every group's
 * points are chosen again for its rounded scale. Types with 7-bit sign fields flip the sign of the
 * value that costs least when a group has an odd number of negative values.
 */
public final class IQuantizer {
    private IQuantizer() {
    }

    /** How one type stores a block: lattice, values per point, values per scale, sign rule, scale range. */
    private record Format(Lattice lattice, int group, boolean signs, boolean parity, float k, int maxScale, boolean delta) {
    }

    private static Format format(GgmlType type) {
        return switch (type) {
            case IQ2_XXS -> new Format(Lattice.IQ2XXS, 32, true, true, 0.125f, 15, false);
            case IQ2_XS -> new Format(Lattice.IQ2XS, 16, true, true, 0.125f, 15, false);
            case IQ2_S -> new Format(Lattice.IQ2S, 16, true, false, 0.125f, 15, false);
            case IQ3_XXS -> new Format(Lattice.IQ3XXS, 32, true, true, 0.25f, 15, false);
            case IQ3_S -> new Format(Lattice.IQ3S, 32, true, false, 1f, 15, false);
            case IQ1_S -> new Format(Lattice.IQ1S, 32, false, false, 1f, 7, true);
            case IQ1_M -> new Format(Lattice.IQ1S, 16, false, false, 1f, 7, true);
            default -> throw new IllegalArgumentException("no i-quant quantizer for " + type);
        };
    }

    public static byte[] encode(GgmlType type, float[] x) {
        if (x.length % 256 != 0) {
            throw new IllegalArgumentException(x.length + " elements is not a multiple of 256");
        }
        Format f = format(type);
        byte[] out = new byte[x.length / 256 * type.blockBytes];
        Block blk = new Block();
        for (int b = 0; b < x.length / 256; b++) {
            quantizeBlock(type, f, x, 256 * b, blk);
            write(type, blk, out, b * type.blockBytes);
        }
        return out;
    }

    /** One super-block in the common form: point index and signs per 8 values, scale per group, deltas. */
    private static final class Block {
        float d;
        final int[] index = new int[64];   // per point (8 values; IQ3: 4 values)
        final int[] signs = new int[32];   // per 8 values: bit j = value j negative
        final int[] scale = new int[16];   // per scale group: s (the format's 2s+1 multiplier)
        final int[] delta = new int[32];   // per 8 values, IQ1: 1 when the delta is negative
    }

    private static void quantizeBlock(GgmlType type, Format f, float[] x, int xo, Block blk) {
        int groups = 256 / f.group;
        float[] u = new float[groups];
        float umax = 0;
        for (int g = 0; g < groups; g++) {
            u[g] = bestUnit(f, x, xo + g * f.group, blk);
            umax = Math.max(umax, u[g]);
        }
        // u = d·k·(2s+1), the largest group at the top scale
        float d = Float.float16ToFloat(Float.floatToFloat16(umax / (f.k * (2 * f.maxScale + 1))));
        blk.d = d;
        for (int g = 0; g < groups; g++) {
            int s = d == 0 ? 0 : Math.round((u[g] / (d * f.k) - 1) / 2);
            s = Math.max(0, Math.min(f.maxScale, s));
            blk.scale[g] = s;
            fit(f, x, xo + g * f.group, d * f.k * (2 * s + 1), blk, g * f.group);
        }
    }

    /** The unit scale with the smallest squared error for the group at x[xo]. */
    private static float bestUnit(Format f, float[] x, int xo, Block blk) {
        float amax = 0;
        for (int i = 0; i < f.group; i++) {
            amax = Math.max(amax, Math.abs(x[xo + i]));
        }
        if (amax == 0) {
            return 0;
        }
        float best = 0;
        double bestErr = Double.MAX_VALUE;
        float[] q = new float[f.group];
        for (int c = 0; c < 7; c++) {
            float u = amax / f.lattice.max * (0.55f + 0.1f * c);
            for (int round = 0; round < 2; round++) {
                fitValues(f, x, xo, u, blk, 0, q);
                double xq = 0;
                double qq = 0;
                for (int i = 0; i < f.group; i++) {
                    xq += x[xo + i] * (double) q[i];
                    qq += q[i] * (double) q[i];
                }
                if (qq == 0) {
                    break;
                }
                double err = 0;
                for (int i = 0; i < f.group; i++) {
                    double e = x[xo + i] - u * q[i];
                    err += e * e;
                }
                if (err < bestErr) {
                    bestErr = err;
                    best = u;
                }
                u = (float) (xq / qq);
                if (!(u > 0)) {
                    break;
                }
            }
        }
        return best;
    }

    /** Chooses the points (and signs, deltas) of the group at x[xo] for the unit u, into blk at element e0. */
    private static void fit(Format f, float[] x, int xo, float u, Block blk, int e0) {
        fitValues(f, x, xo, u, blk, e0, new float[f.group]);
    }

    /** As {@link #fit}, also writing the chosen values (in units of u) to q. */
    private static void fitValues(Format f, float[] x, int xo, float u, Block blk, int e0, float[] q) {
        float[] t = new float[8];
        for (int p8 = 0; p8 < f.group; p8 += 8) {
            int e = e0 + p8;
            int signs = 0;
            if (f.delta) {
                // IQ1: value g + delta/8, delta of either sign (IQ1_S: one per 32, decided by its first 8)
                int bestDelta = 0;
                double bestErr = Double.MAX_VALUE;
                for (int dl = 0; dl < 2; dl++) {
                    if (f.group == 32 && p8 > 0 && dl != blk.delta[e / 8 - p8 / 8]) {
                        continue;
                    }
                    float shift = dl == 0 ? 0.125f : -0.125f;
                    for (int j = 0; j < 8; j++) {
                        t[j] = u == 0 ? 0 : x[xo + p8 + j] / u - shift;
                    }
                    int idx = f.lattice.nearest(t, 0);
                    double err = f.lattice.distance(idx, t, 0);
                    if (err < bestErr) {
                        bestErr = err;
                        bestDelta = dl;
                        blk.index[e / 8] = idx;
                    }
                }
                blk.delta[e / 8] = bestDelta;
                for (int j = 0; j < 8; j++) {
                    q[p8 + j] = f.lattice.value(blk.index[e / 8], j) + (bestDelta == 0 ? 0.125f : -0.125f);
                }
                continue;
            }
            for (int j = 0; j < 8; j++) {
                float v = x[xo + p8 + j];
                if (v < 0) {
                    signs |= 1 << j;
                }
                t[j] = u == 0 ? 0 : Math.abs(v) / u;
            }
            int points = 8 / f.lattice.dim;
            for (int p = 0; p < points; p++) {
                blk.index[e / f.lattice.dim + p] = f.lattice.nearest(t, p * f.lattice.dim);
            }
            if (f.parity && Integer.bitCount(signs) % 2 == 1) {
                int flip = 0;
                double cost = Double.MAX_VALUE;
                for (int j = 0; j < 8; j++) {
                    double c = t[j] * (double) f.lattice.value(blk.index[e / f.lattice.dim + j / f.lattice.dim], j % f.lattice.dim);
                    if (c < cost) {
                        cost = c;
                        flip = j;
                    }
                }
                signs ^= 1 << flip;
            }
            blk.signs[e / 8] = signs;
            for (int j = 0; j < 8; j++) {
                int g = f.lattice.value(blk.index[e / f.lattice.dim + j / f.lattice.dim], j % f.lattice.dim);
                q[p8 + j] = (signs >> j & 1) != 0 ? -g : g;
            }
        }
    }

    private static void write(GgmlType type, Block b, byte[] out, int o) {
        short d16 = Float.floatToFloat16(b.d);
        switch (type) {
            case IQ2_XXS -> {
                Quantizer.putLe16(out, o, d16);
                for (int ib = 0; ib < 8; ib++) {
                    int aux1 = b.scale[ib] << 28;
                    for (int l = 0; l < 4; l++) {
                        out[o + 2 + 8 * ib + l] = (byte) b.index[4 * ib + l];
                        aux1 |= (b.signs[4 * ib + l] & 127) << (7 * l);
                    }
                    Quantizer.putLe32(out, o + 2 + 8 * ib + 4, aux1);
                }
            }
            case IQ2_XS -> {
                Quantizer.putLe16(out, o, d16);
                for (int p = 0; p < 32; p++) {
                    Quantizer.putLe16(out, o + 2 + 2 * p, (short) (b.index[p] | (b.signs[p] & 127) << 9));
                }
                for (int ib = 0; ib < 8; ib++) {
                    out[o + 66 + ib] = (byte) (b.scale[2 * ib] | b.scale[2 * ib + 1] << 4);
                }
            }
            case IQ2_S -> {
                Quantizer.putLe16(out, o, d16);
                for (int p = 0; p < 32; p++) {
                    out[o + 2 + p] = (byte) b.index[p];
                    out[o + 34 + p] = (byte) b.signs[p];
                    out[o + 66 + p / 4] |= (byte) ((b.index[p] >> 8) << (2 * (p % 4)));
                }
                for (int ib = 0; ib < 8; ib++) {
                    out[o + 74 + ib] = (byte) (b.scale[2 * ib] | b.scale[2 * ib + 1] << 4);
                }
            }
            case IQ3_XXS -> {
                Quantizer.putLe16(out, o, d16);
                for (int p = 0; p < 64; p++) {
                    out[o + 2 + p] = (byte) b.index[p];
                }
                for (int ib = 0; ib < 8; ib++) {
                    int aux = b.scale[ib] << 28;
                    for (int l = 0; l < 4; l++) {
                        aux |= (b.signs[4 * ib + l] & 127) << (7 * l);
                    }
                    Quantizer.putLe32(out, o + 66 + 4 * ib, aux);
                }
            }
            case IQ3_S -> {
                Quantizer.putLe16(out, o, d16);
                for (int p = 0; p < 64; p++) {
                    out[o + 2 + p] = (byte) b.index[p];
                    out[o + 66 + p / 8] |= (byte) ((b.index[p] >> 8) << (p % 8));
                }
                for (int p = 0; p < 32; p++) {
                    out[o + 74 + p] = (byte) b.signs[p];
                }
                for (int ib = 0; ib < 8; ib++) {
                    out[o + 106 + ib / 2] |= (byte) (b.scale[ib] << (4 * (ib % 2)));
                }
            }
            case IQ1_S -> {
                Quantizer.putLe16(out, o, d16);
                for (int ib = 0; ib < 8; ib++) {
                    int qh = b.scale[ib] << 12 | (b.delta[4 * ib] != 0 ? 0x8000 : 0);
                    for (int l = 0; l < 4; l++) {
                        out[o + 2 + 4 * ib + l] = (byte) b.index[4 * ib + l];
                        qh |= (b.index[4 * ib + l] >> 8) << (3 * l);
                    }
                    Quantizer.putLe16(out, o + 34 + 2 * ib, (short) qh);
                }
            }
            case IQ1_M -> {
                for (int p = 0; p < 32; p++) {
                    out[o + p] = (byte) b.index[p];
                    int nib = (b.index[p] >> 8) | (b.delta[p] != 0 ? 8 : 0);
                    out[o + 32 + p / 2] |= (byte) (nib << (4 * (p % 2)));
                }
                int[] words = new int[4];
                for (int g = 0; g < 16; g++) {
                    words[g / 4] |= b.scale[g] << (3 * (g % 4));
                }
                for (int i = 0; i < 4; i++) {
                    words[i] |= ((d16 >> (4 * i)) & 15) << 12;
                    Quantizer.putLe16(out, o + 48 + 2 * i, (short) words[i]);
                }
            }
            default -> throw new IllegalArgumentException(type.toString());
        }
    }

    /** A lattice (grid table) with a nearest-point search: a lookup by per-value level, else a full scan. */
    static final class Lattice {
        static final Lattice IQ2XXS = new Lattice(IQuantGrids.IQ2XXS, 8);
        static final Lattice IQ2XS = new Lattice(IQuantGrids.IQ2XS, 8);
        static final Lattice IQ2S = new Lattice(IQuantGrids.IQ2S, 8);
        static final Lattice IQ3XXS = new Lattice(IQuantGrids.IQ3XXS, 4);
        static final Lattice IQ3S = new Lattice(IQuantGrids.IQ3S, 4);
        static final Lattice IQ1S = new Lattice(IQuantGrids.IQ1S, 8);

        final byte[] grid;
        final int dim;
        final int points;
        final int max;
        private final int[] levels;
        private final int[] byKey;

        Lattice(byte[] grid, int dim) {
            this.grid = grid;
            this.dim = dim;
            this.points = grid.length / dim;
            java.util.TreeSet<Integer> lv = new java.util.TreeSet<>();
            for (byte g : grid) {
                lv.add((int) g);
            }
            levels = lv.stream().mapToInt(Integer::intValue).toArray();
            max = levels[levels.length - 1];
            int keys = (int) Math.pow(levels.length, dim);
            byKey = new int[keys];
            java.util.Arrays.fill(byKey, -1);
            for (int p = 0; p < points; p++) {
                int key = 0;
                for (int j = dim - 1; j >= 0; j--) {
                    key = key * levels.length + java.util.Arrays.binarySearch(levels, grid[dim * p + j]);
                }
                byKey[key] = p;
            }
        }

        int value(int point, int j) {
            return grid[dim * point + j];
        }

        double distance(int point, float[] t, int to) {
            double s = 0;
            for (int j = 0; j < dim; j++) {
                double e = t[to + j] - grid[dim * point + j];
                s += e * e;
            }
            return s;
        }

        /**
         * The point nearest to t[to..to+dim): the point at t's per-value nearest levels when the lattice
         * has it, else the nearest of that level vector's {@link #NEIGHBOURS} closest points.
         */
        int nearest(float[] t, int to) {
            int key = 0;
            for (int j = dim - 1; j >= 0; j--) {
                key = key * levels.length + nearestLevel(t[to + j]);
            }
            if (byKey[key] >= 0) {
                return byKey[key];
            }
            int[] candidates = neighbours(key);
            int best = candidates[0];
            double bestD = Double.MAX_VALUE;
            for (int p : candidates) {
                double dd = distance(p, t, to);
                if (dd < bestD) {
                    bestD = dd;
                    best = p;
                }
            }
            return best;
        }

        static final int NEIGHBOURS = 16;
        private final java.util.concurrent.ConcurrentHashMap<Integer, int[]> neighbours = new java.util.concurrent.ConcurrentHashMap<>();

        /** The NEIGHBOURS points closest to the level vector of key (computed once per key). */
        private int[] neighbours(int key) {
            return neighbours.computeIfAbsent(key, k -> {
                float[] lv = new float[dim];
                int rest = k;
                for (int j = 0; j < dim; j++) {
                    lv[j] = levels[rest % levels.length];
                    rest /= levels.length;
                }
                int[] out = new int[Math.min(NEIGHBOURS, points)];
                double[] best = new double[out.length];
                java.util.Arrays.fill(best, Double.MAX_VALUE);
                for (int p = 0; p < points; p++) {
                    double dd = distance(p, lv, 0);
                    int i = out.length - 1;
                    if (dd >= best[i]) {
                        continue;
                    }
                    while (i > 0 && best[i - 1] > dd) {
                        best[i] = best[i - 1];
                        out[i] = out[i - 1];
                        i--;
                    }
                    best[i] = dd;
                    out[i] = p;
                }
                return out;
            });
        }

        private int nearestLevel(float v) {
            int best = 0;
            for (int i = 1; i < levels.length; i++) {
                if (Math.abs(v - levels[i]) < Math.abs(v - levels[best])) {
                    best = i;
                }
            }
            return best;
        }
    }
}
