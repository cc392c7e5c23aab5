package io.sirocco.engine.gguf;

/**
 * ggml tensor element types: code in the file, block size (elements) and block size in bytes.
 * Every type llama.cpp defines is listed so files can be read; {@link #computable} says which ones
 * the kernels can multiply (see docs/engine.md, "Adding a type").
 */
public enum GgmlType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 18, true),
    Q4_1(3, 32, 20, false),
    Q5_0(6, 32, 22, true),
    Q5_1(7, 32, 24, true),
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, false),
    Q2_K(10, 256, 84, true),
    Q3_K(11, 256, 110, true),
    Q4_K(12, 256, 144, true),
    Q5_K(13, 256, 176, true),
    Q6_K(14, 256, 210, true),
    Q8_K(15, 256, 292, false),
    IQ2_XXS(16, 256, 66, true),
    IQ2_XS(17, 256, 74, true),
    IQ3_XXS(18, 256, 98, true),
    IQ1_S(19, 256, 50, true),
    IQ4_NL(20, 32, 18, true),
    IQ3_S(21, 256, 110, true),
    IQ2_S(22, 256, 82, true),
    IQ4_XS(23, 256, 136, true),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 56, true),
    BF16(30, 1, 2, true),
    TQ1_0(34, 256, 54, false),
    TQ2_0(35, 256, 66, false);

    public final int code;
    public final int blockSize;
    public final int blockBytes;
    /** The kernels implement matrix × vector for this type. */
    public final boolean computable;

    GgmlType(int code, int blockSize, int blockBytes, boolean computable) {
        this.code = code;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.computable = computable;
    }

    /** Block-quantized weights are multiplied against quantized activations (llama.cpp's method). */
    public boolean quantizedActivations() {
        return blockSize > 1;
    }

    /** K-quants and the 256-value i-quants pair with Q8_K activations; other block types with Q8_0. */
    public boolean kQuant() {
        return blockSize == 256;
    }

    /** Bytes of {@code elements} values; elements must be a multiple of the block size. */
    public long bytesFor(long elements) {
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    public static GgmlType fromCode(int code) {
        for (GgmlType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
