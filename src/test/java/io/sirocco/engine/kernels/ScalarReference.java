package io.sirocco.engine.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.sirocco.engine.quant.IQuantGrids;

/** The {@link Kernels} contract as plain loops, with double accumulation: the oracle for kernel tests. */
public final class ScalarReference implements Kernels {
    @Override
    public String name() {
        return "scalar-reference";
    }

    @Override
    public void matmul(Matrix w, int r0, int r1, Activations x, float[] y, int yStride) {
        for (int r = r0; r < r1; r++) {
            for (int t = 0; t < x.count; t++) {
                y[t * yStride + r] = (float) dot(w, r, x, t);
            }
        }
    }

    static double dot(Matrix w, int r, Activations x, int t) {
        MemorySegment s = w.data();
        long row = r * w.rowBytes();
        int n = w.cols();
        double sum = 0;
        switch (w.type()) {
            case F32 -> {
                for (int c = 0; c < n; c++) {
                    sum += (double) s.get(Fp16.FLOAT, row + 4L * c) * x.values[t * n + c];
                }
            }
            case F16 -> {
                for (int c = 0; c < n; c++) {
                    sum += (double) Float.float16ToFloat(s.get(Fp16.SHORT, row + 2L * c)) * x.values[t * n + c];
                }
            }
            case BF16 -> {
                for (int c = 0; c < n; c++) {
                    sum += (double) Float.intBitsToFloat(s.get(Fp16.SHORT, row + 2L * c) << 16) * x.values[t * n + c];
                }
            }
            case Q8_0, Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long blk = row + (long) w.type().blockBytes * b;
                    long isum = 0;
                    for (int j = 0; j < 32; j++) {
                        isum += (long) weightQuant(w, s, blk, j) * x.quants()[t * n + b * 32 + j];
                    }
                    sum += (double) Float.float16ToFloat(s.get(Fp16.SHORT, blk)) * x.scales()[t * n / 32 + b] * isum;
                }
            }
            case Q5_0, Q5_1 -> {
                // Q8_0 activations; Q5_1 adds its offset m times the block's activation sum
                boolean offset = w.type() == io.sirocco.engine.gguf.GgmlType.Q5_1;
                for (int b = 0; b < n / 32; b++) {
                    long blk = row + (long) w.type().blockBytes * b;
                    double d = Float.float16ToFloat(s.get(Fp16.SHORT, blk));
                    double m = offset ? Float.float16ToFloat(s.get(Fp16.SHORT, blk + 2)) : 0;
                    long qh = blk + (offset ? 4 : 2);
                    double xd = x.scales()[t * n / 32 + b];
                    for (int j = 0; j < 32; j++) {
                        int bit = (s.get(ValueLayout.JAVA_BYTE, qh + j / 8) >> (j % 8)) & 1;
                        int nib = s.get(ValueLayout.JAVA_BYTE, qh + 4 + (j & 15)) & 0xff;
                        int q = (j < 16 ? nib & 15 : nib >> 4) + 16 * bit - (offset ? 0 : 16);
                        double xv = xd * x.quants()[t * n + b * 32 + j];
                        sum += (d * q + m) * xv;
                    }
                }
            }
            case Q4_K -> {
                // Q8_K activations: element = d·sc_j·q − dmin·m_j for sub-block j of 32
                for (int b = 0; b < n / 256; b++) {
                    long blk = row + 144L * b;
                    double d = Float.float16ToFloat(s.get(Fp16.SHORT, blk));
                    double dmin = Float.float16ToFloat(s.get(Fp16.SHORT, blk + 2));
                    double xd = x.scalesK()[t * n / 256 + b];
                    for (int e = 0; e < 256; e++) {
                        int j = e / 32;
                        int scale;
                        int min;
                        if (j < 4) {
                            scale = u8(s, blk + 4 + j) & 63;
                            min = u8(s, blk + 8 + j) & 63;
                        } else {
                            scale = (u8(s, blk + 8 + j) & 15) | ((u8(s, blk + j) >> 6) << 4);
                            min = (u8(s, blk + 8 + j) >> 4) | ((u8(s, blk + 4 + j) >> 6) << 4);
                        }
                        int nib = u8(s, blk + 16 + 32 * (j / 2) + e % 32);
                        int q = j % 2 == 0 ? nib & 15 : nib >> 4;
                        sum += (d * scale * q - dmin * min) * xd * x.quantsK()[t * n + b * 256 + e];
                    }
                }
            }
            case Q6_K -> {
                // element = d·sc_g·(q − 32) for group g of 16; q = 4 low bits (ql) | 2 high bits (qh)
                for (int b = 0; b < n / 256; b++) {
                    long blk = row + 210L * b;
                    double d = Float.float16ToFloat(s.get(Fp16.SHORT, blk + 208));
                    double xd = x.scalesK()[t * n / 256 + b];
                    for (int e = 0; e < 256; e++) {
                        int half = e / 128;
                        int l = e % 128;
                        int low = u8(s, blk + 64 * half + l % 64);
                        low = l < 64 ? low & 15 : low >> 4;
                        int high = (u8(s, blk + 128 + 32 * half + l % 32) >> (2 * (l / 32))) & 3;
                        int q = (low | high << 4) - 32;
                        int scale = s.get(ValueLayout.JAVA_BYTE, blk + 192 + e / 16);
                        sum += d * scale * q * xd * x.quantsK()[t * n + b * 256 + e];
                    }
                }
            }
            case Q5_K -> {
                // as Q4_K with a fifth bit: qh[e % 32] bit e / 32
                for (int b = 0; b < n / 256; b++) {
                    long blk = row + 176L * b;
                    double d = Float.float16ToFloat(s.get(Fp16.SHORT, blk));
                    double dmin = Float.float16ToFloat(s.get(Fp16.SHORT, blk + 2));
                    double xd = x.scalesK()[t * n / 256 + b];
                    for (int e = 0; e < 256; e++) {
                        int j = e / 32;
                        int nib = u8(s, blk + 48 + 32 * (j / 2) + e % 32);
                        int q = (j % 2 == 0 ? nib & 15 : nib >> 4) + 16 * ((u8(s, blk + 16 + e % 32) >> j) & 1);
                        sum += (d * scaleK4(s, blk + 4, j) * q - dmin * minK4(s, blk + 4, j)) * xd * x.quantsK()[t * n + b * 256 + e];
                    }
                }
            }
            case Q3_K -> {
                // element = d·(sc − 32)·(q − 4·[hmask bit clear]) per group of 16; sc: 4 low bits + 2 high bits
                for (int b = 0; b < n / 256; b++) {
                    long blk = row + 110L * b;
                    double d = Float.float16ToFloat(s.get(Fp16.SHORT, blk + 108));
                    double xd = x.scalesK()[t * n / 256 + b];
                    for (int e = 0; e < 256; e++) {
                        int g = e / 16;
                        int low = g < 8 ? u8(s, blk + 96 + g) & 15 : u8(s, blk + 96 + g - 8) >> 4;
                        int scale = (low | ((u8(s, blk + 104 + g % 4) >> (2 * (g / 4))) & 3) << 4) - 32;
                        int q = (u8(s, blk + 32 + 32 * (e / 128) + e % 32) >> (2 * ((e % 128) / 32))) & 3;
                        if (((u8(s, blk + e % 32) >> (e / 32)) & 1) == 0) {
                            q -= 4;
                        }
                        sum += d * scale * q * xd * x.quantsK()[t * n + b * 256 + e];
                    }
                }
            }
            case Q2_K -> {
                // element = d·(sc & 15)·q − dmin·(sc >> 4) per group of 16
                for (int b = 0; b < n / 256; b++) {
                    long blk = row + 84L * b;
                    double d = Float.float16ToFloat(s.get(Fp16.SHORT, blk + 80));
                    double dmin = Float.float16ToFloat(s.get(Fp16.SHORT, blk + 82));
                    double xd = x.scalesK()[t * n / 256 + b];
                    for (int e = 0; e < 256; e++) {
                        int sc = u8(s, blk + e / 16);
                        int q = (u8(s, blk + 16 + 32 * (e / 128) + e % 32) >> (2 * ((e % 128) / 32))) & 3;
                        sum += (d * (sc & 15) * q - dmin * (sc >> 4)) * xd * x.quantsK()[t * n + b * 256 + e];
                    }
                }
            }
            case IQ4_NL -> {
                // Q8_0 activations; element = d·VALUES[index]
                for (int b = 0; b < n / 32; b++) {
                    long blk = row + 18L * b;
                    double d = Float.float16ToFloat(s.get(Fp16.SHORT, blk));
                    double xd = x.scales()[t * n / 32 + b];
                    for (int j = 0; j < 32; j++) {
                        int nib = u8(s, blk + 2 + (j & 15));
                        int v = IQ4[j < 16 ? nib & 15 : nib >> 4];
                        sum += d * v * xd * x.quants()[t * n + b * 32 + j];
                    }
                }
            }
            case IQ4_XS -> {
                // Q8_K activations; element = d·(ls − 32)·VALUES[index], ls 6 bits per 32 values
                for (int b = 0; b < n / 256; b++) {
                    long blk = row + 136L * b;
                    double d = Float.float16ToFloat(s.get(Fp16.SHORT, blk));
                    int scalesH = s.get(Fp16.SHORT, blk + 2) & 0xffff;
                    double xd = x.scalesK()[t * n / 256 + b];
                    for (int e = 0; e < 256; e++) {
                        int ib = e / 32;
                        int ls = ((u8(s, blk + 4 + ib / 2) >> (4 * (ib % 2))) & 15) | (((scalesH >> (2 * ib)) & 3) << 4);
                        int nib = u8(s, blk + 8 + 16 * ib + (e % 32) % 16);
                        int v = IQ4[e % 32 < 16 ? nib & 15 : nib >> 4];
                        sum += d * (ls - 32) * v * xd * x.quantsK()[t * n + b * 256 + e];
                    }
                }
            }
            case IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M -> {
                for (int b = 0; b < n / 256; b++) {
                    long blk = row + (long) w.type().blockBytes * b;
                    double xd = x.scalesK()[t * n / 256 + b];
                    for (int e = 0; e < 256; e++) {
                        sum += iquant(w.type(), s, blk, e) * xd * x.quantsK()[t * n + b * 256 + e];
                    }
                }
            }
            default -> throw new UnsupportedOperationException(w.type().toString());
        }
        return sum;
    }

    /**
     * Element e of a grid i-quant block, written from llama.cpp's dequantize_row_iq* formulas one element
     * at a time (independently of the main code's IQuantBlocks).
     */
    static double iquant(io.sirocco.engine.gguf.GgmlType type, MemorySegment s, long blk, int e) {
        int ib = e / 32;
        int l = (e % 32) / 8;
        int j = e % 8;
        switch (type) {
            case IQ2_XXS -> {
                long aux1 = u32(s, blk + 2 + 8L * ib + 4);
                double db = f16(s, blk) * (0.5 + (aux1 >>> 28)) * 0.25;
                int grid = IQuantGrids.IQ2XXS[8 * u8(s, blk + 2 + 8L * ib + l) + j];
                return db * grid * sign7(aux1 >>> (7 * l) & 127, j);
            }
            case IQ2_XS -> {
                int sc = u8(s, blk + 66 + ib);
                double db = f16(s, blk) * (0.5 + (l < 2 ? sc & 15 : sc >> 4)) * 0.25;
                int q = u16(s, blk + 2 + 2L * (4 * ib + l));
                return db * IQuantGrids.IQ2XS[8 * (q & 511) + j] * sign7(q >>> 9, j);
            }
            case IQ2_S -> {
                int sc = u8(s, blk + 74 + ib);
                double db = f16(s, blk) * (0.5 + (l < 2 ? sc & 15 : sc >> 4)) * 0.25;
                int index = u8(s, blk + 2 + 4L * ib + l) | ((u8(s, blk + 66 + ib) << (8 - 2 * l)) & 0x300);
                int signs = u8(s, blk + 2 + 32 + 4L * ib + l);
                return db * IQuantGrids.IQ2S[8 * index + j] * ((signs >> j & 1) != 0 ? -1 : 1);
            }
            case IQ3_XXS -> {
                long aux = u32(s, blk + 2 + 64 + 4L * ib);
                double db = f16(s, blk) * (0.5 + (aux >>> 28)) * 0.5;
                int index = u8(s, blk + 2 + 8L * ib + 2 * l + j / 4);
                return db * IQuantGrids.IQ3XXS[4 * index + j % 4] * sign7(aux >>> (7 * l) & 127, j);
            }
            case IQ3_S -> {
                double db = f16(s, blk) * (1 + 2 * ((u8(s, blk + 106 + ib / 2) >> (4 * (ib % 2))) & 15));
                int qh = u8(s, blk + 66 + ib);
                int index = u8(s, blk + 2 + 8L * ib + 2 * l + j / 4) | ((qh << (8 - 2 * l - j / 4)) & 256);
                int signs = u8(s, blk + 74 + 4L * ib + l);
                return db * IQuantGrids.IQ3S[4 * index + j % 4] * ((signs >> j & 1) != 0 ? -1 : 1);
            }
            case IQ1_S -> {
                int qh = u16(s, blk + 34 + 2L * ib);
                double dl = f16(s, blk) * (2 * ((qh >> 12) & 7) + 1);
                double delta = (qh & 0x8000) != 0 ? -0.125 : 0.125;
                int index = u8(s, blk + 2 + 4L * ib + l) | (((qh >> (3 * l)) & 7) << 8);
                return dl * (IQuantGrids.IQ1S[8 * index + j] + delta);
            }
            case IQ1_M -> {
                int scaleBits = (u16(s, blk + 48) >> 12) | ((u16(s, blk + 50) >> 8) & 0xf0)
                        | ((u16(s, blk + 52) >> 4) & 0xf00) | (u16(s, blk + 54) & 0xf000);
                double d = Float.float16ToFloat((short) scaleBits);
                int sc = u16(s, blk + 48 + 2L * (ib / 2));
                double dl = d * (2 * ((sc >> (6 * (ib % 2) + (l < 2 ? 0 : 3))) & 7) + 1);
                int qh = u8(s, blk + 32 + 2L * ib + l / 2);
                int index = u8(s, blk + 4L * ib + l) | ((qh << (l % 2 == 0 ? 8 : 4)) & 0x700);
                double delta = (qh & (l % 2 == 0 ? 0x08 : 0x80)) != 0 ? -0.125 : 0.125;
                return dl * (IQuantGrids.IQ1S[8 * index + j] + delta);
            }
            default -> throw new IllegalArgumentException(type.toString());
        }
    }

    /** ±1 for value j of a 7-bit sign field whose eighth sign gives an even count of minus signs. */
    static int sign7(long field, int j) {
        int bits = (int) field | ((Long.bitCount(field) & 1) << 7);
        return (bits >> j & 1) != 0 ? -1 : 1;
    }

    static double f16(MemorySegment s, long o) {
        return Float.float16ToFloat(s.get(Fp16.SHORT, o));
    }

    static int u16(MemorySegment s, long o) {
        return s.get(Fp16.SHORT, o) & 0xffff;
    }

    static long u32(MemorySegment s, long o) {
        return s.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), o) & 0xffffffffL;
    }

    /** The IQ4 format's value table, written out here independently of the main code's copy. */
    static final int[] IQ4 = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    /** get_scale_min_k4 over the 12 scale bytes at sc. */
    static int scaleK4(MemorySegment s, long sc, int j) {
        return j < 4 ? u8(s, sc + j) & 63 : (u8(s, sc + j + 4) & 15) | ((u8(s, sc + j - 4) >> 6) << 4);
    }

    static int minK4(MemorySegment s, long sc, int j) {
        return j < 4 ? u8(s, sc + j + 4) & 63 : (u8(s, sc + j + 4) >> 4) | ((u8(s, sc + j) >> 6) << 4);
    }

    static int u8(MemorySegment s, long o) {
        return s.get(ValueLayout.JAVA_BYTE, o) & 0xff;
    }

    /** The j-th integer value of a weight block. */
    static int weightQuant(Matrix w, MemorySegment s, long blk, int j) {
        return switch (w.type()) {
            case Q8_0 -> s.get(ValueLayout.JAVA_BYTE, blk + 2 + j);
            case Q4_0 -> {
                int q = s.get(ValueLayout.JAVA_BYTE, blk + 2 + (j & 15)) & 0xff;
                yield (j < 16 ? q & 15 : q >> 4) - 8;
            }
            default -> throw new IllegalArgumentException();
        };
    }
}
