package io.sirocco.engine.quant;

import io.sirocco.engine.gguf.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The block layouts of llama.cpp's grid i-quants (256 values per block), read into one common form:
 * element e = {@code factor · scale[e/16] · value[e]} with small signed integer values and scales, so
 * that a dot product with Q8_K activations is an exact integer sum per block times one float.
 * <ul>
 *   <li>IQ2_XXS (66 bytes): fp16 d; per 32 values two u32: four 8-bit indices into {@link IQuantGrids#IQ2XXS},
 *       then four 7-bit sign fields and a 4-bit scale s; element = d·(2s+1)/8·grid·sign.</li>
 *   <li>IQ2_XS (74 bytes): fp16 d; 32 u16 (9-bit index into IQ2XS, 7-bit sign field); 8 bytes of two
 *       4-bit scales (each for 16 values); element = d·(2s+1)/8·grid·sign.</li>
 *   <li>IQ2_S (82 bytes): fp16 d; 32 index bytes, 32 sign bytes (8 signs each), 8 bytes of 2 high index
 *       bits per 8 values (10-bit index into IQ2S), 8 bytes of two 4-bit scales; as IQ2_XS.</li>
 *   <li>IQ3_XXS (98 bytes): fp16 d; 64 indices into IQ3XXS (4 values each); per 32 values a u32 with four
 *       7-bit sign fields and a 4-bit scale s; element = d·(2s+1)/4·grid·sign.</li>
 *   <li>IQ3_S (110 bytes): fp16 d; 64 index bytes, 8 bytes of ninth index bits (IQ3S, 512 points),
 *       32 sign bytes, 4 bytes of two 4-bit scales (each for 32 values); element = d·(2s+1)·grid·sign.</li>
 *   <li>IQ1_S (50 bytes): fp16 d; 32 index bytes; per 32 values a u16 with four 3-bit high index parts
 *       (11-bit index into IQ1S, values −1/0/1), a 3-bit scale s and a delta sign;
 *       element = d·(2s+1)·(grid ± 1/8).</li>
 *   <li>IQ1_M (56 bytes): 32 index bytes; 16 bytes of two (3 high index bits, delta sign) per byte;
 *       8 bytes of 3-bit scales (each for 16 values) whose top nibbles together are the fp16 d.</li>
 * </ul>
 * The 7-bit sign fields (IQ2_XXS, IQ2_XS, IQ3_XXS) give the signs of the first 7 values; the eighth
 * makes the number of negative values even.
 */
public final class IQuantBlocks {
    private IQuantBlocks() {
    }

    public static final int VALUES = 256;
    public static final int GROUPS = 16;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The grid i-quant types. */
    public static boolean isGridType(GgmlType type) {
        return switch (type) {
            case IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M -> true;
            default -> false;
        };
    }

    /** The 8 signs of a 7-bit field: bit 7 set when the field has an odd number of ones. */
    public static int signs7(int field) {
        return field | (Integer.bitCount(field) & 1) << 7;
    }

    private static int u8(MemorySegment s, long o) {
        return s.get(ValueLayout.JAVA_BYTE, o) & 0xff;
    }

    private static int u16(MemorySegment s, long o) {
        return s.get(U16, o) & 0xffff;
    }

    private static float f16(MemorySegment s, long o) {
        return Float.float16ToFloat(s.get(U16, o));
    }

    /** 8 values at v[vo..]: grid point {@code index} of {@code grid}, negated where {@code signs} has a bit. */
    private static void put8(byte[] v, int vo, byte[] grid, int index, int signs) {
        for (int j = 0; j < 8; j++) {
            int g = grid[8 * index + j];
            v[vo + j] = (byte) ((signs >> j & 1) != 0 ? -g : g);
        }
    }

    /** 8 values from two 4-value grid points (IQ3). */
    private static void put4x2(byte[] v, int vo, byte[] grid, int i1, int i2, int signs) {
        for (int j = 0; j < 4; j++) {
            int g1 = grid[4 * i1 + j];
            int g2 = grid[4 * i2 + j];
            v[vo + j] = (byte) ((signs >> j & 1) != 0 ? -g1 : g1);
            v[vo + 4 + j] = (byte) ((signs >> (j + 4) & 1) != 0 ? -g2 : g2);
        }
    }

    /** 8 IQ1 values, 8·grid + delta (delta ±1): the format's grid ± 1/8, times 8. */
    private static void put8Delta(byte[] v, int vo, int index, int delta) {
        for (int j = 0; j < 8; j++) {
            v[vo + j] = (byte) (8 * IQuantGrids.IQ1S[8 * index + j] + delta);
        }
    }

    /**
     * Reads the block at {@code o} into {@code v} (256 values) and {@code scale} (16 per-16 scales) and
     * returns the block's float factor.
     */
    public static float unpack(GgmlType type, MemorySegment s, long o, byte[] v, int[] scale) {
        switch (type) {
            case IQ2_XXS -> {
                for (int ib = 0; ib < 8; ib++) {
                    long q = o + 2 + 8L * ib;
                    int aux1 = s.get(U32, q + 4);
                    for (int l = 0; l < 4; l++) {
                        put8(v, 32 * ib + 8 * l, IQuantGrids.IQ2XXS, u8(s, q + l), signs7(aux1 >>> (7 * l) & 127));
                    }
                    scale[2 * ib] = scale[2 * ib + 1] = 2 * (aux1 >>> 28) + 1;
                }
                return f16(s, o) * 0.125f;
            }
            case IQ2_XS -> {
                for (int ib = 0; ib < 8; ib++) {
                    for (int l = 0; l < 4; l++) {
                        int q = u16(s, o + 2 + 2L * (4 * ib + l));
                        put8(v, 32 * ib + 8 * l, IQuantGrids.IQ2XS, q & 511, signs7(q >>> 9));
                    }
                    int sc = u8(s, o + 66 + ib);
                    scale[2 * ib] = 2 * (sc & 15) + 1;
                    scale[2 * ib + 1] = 2 * (sc >> 4) + 1;
                }
                return f16(s, o) * 0.125f;
            }
            case IQ2_S -> {
                for (int ib = 0; ib < 8; ib++) {
                    int qh = u8(s, o + 66 + ib);
                    for (int l = 0; l < 4; l++) {
                        int index = u8(s, o + 2 + 4 * ib + l) | (qh << (8 - 2 * l) & 0x300);
                        put8(v, 32 * ib + 8 * l, IQuantGrids.IQ2S, index, u8(s, o + 34 + 4 * ib + l));
                    }
                    int sc = u8(s, o + 74 + ib);
                    scale[2 * ib] = 2 * (sc & 15) + 1;
                    scale[2 * ib + 1] = 2 * (sc >> 4) + 1;
                }
                return f16(s, o) * 0.125f;
            }
            case IQ3_XXS -> {
                for (int ib = 0; ib < 8; ib++) {
                    int aux = s.get(U32, o + 66 + 4L * ib);
                    for (int l = 0; l < 4; l++) {
                        long q = o + 2 + 8L * ib + 2 * l;
                        put4x2(v, 32 * ib + 8 * l, IQuantGrids.IQ3XXS, u8(s, q), u8(s, q + 1), signs7(aux >>> (7 * l) & 127));
                    }
                    scale[2 * ib] = scale[2 * ib + 1] = 2 * (aux >>> 28) + 1;
                }
                return f16(s, o) * 0.25f;
            }
            case IQ3_S -> {
                for (int ib = 0; ib < 8; ib++) {
                    int qh = u8(s, o + 66 + ib);
                    for (int l = 0; l < 4; l++) {
                        long q = o + 2 + 8L * ib + 2 * l;
                        int i1 = u8(s, q) | (qh << (8 - 2 * l) & 256);
                        int i2 = u8(s, q + 1) | (qh << (7 - 2 * l) & 256);
                        put4x2(v, 32 * ib + 8 * l, IQuantGrids.IQ3S, i1, i2, u8(s, o + 74 + 4 * ib + l));
                    }
                    int ls = 2 * (u8(s, o + 106 + ib / 2) >> (4 * (ib % 2)) & 15) + 1;
                    scale[2 * ib] = scale[2 * ib + 1] = ls;
                }
                return f16(s, o);
            }
            case IQ1_S -> {
                for (int ib = 0; ib < 8; ib++) {
                    int qh = u16(s, o + 34 + 2L * ib);
                    int delta = (qh & 0x8000) != 0 ? -1 : 1;
                    for (int l = 0; l < 4; l++) {
                        put8Delta(v, 32 * ib + 8 * l, u8(s, o + 2 + 4 * ib + l) | (qh >> (3 * l) & 7) << 8, delta);
                    }
                    scale[2 * ib] = scale[2 * ib + 1] = 2 * (qh >> 12 & 7) + 1;
                }
                return f16(s, o) * 0.125f;
            }
            case IQ1_M -> {
                for (int ib = 0; ib < 8; ib++) {
                    for (int l = 0; l < 4; l++) {
                        int qh = u8(s, o + 32 + 2 * ib + l / 2) >> (4 * (l % 2));
                        put8Delta(v, 32 * ib + 8 * l, u8(s, o + 4 * ib + l) | (qh & 7) << 8, (qh & 8) != 0 ? -1 : 1);
                    }
                    int sc = u16(s, o + 48 + 2L * (ib / 2)) >> (6 * (ib % 2));
                    scale[2 * ib] = 2 * (sc & 7) + 1;
                    scale[2 * ib + 1] = 2 * (sc >> 3 & 7) + 1;
                }
                return iq1mScale(s, o) * 0.125f;
            }
            default -> throw new IllegalArgumentException("not a grid i-quant: " + type);
        }
    }

    /** IQ1_M's fp16 d: the top nibbles of its four u16 scale words, lowest word first. */
    static float iq1mScale(MemorySegment s, long o) {
        int bits = 0;
        for (int i = 0; i < 4; i++) {
            bits |= (u16(s, o + 48 + 2L * i) >> 12) << (4 * i);
        }
        return Float.float16ToFloat((short) bits);
    }
}
