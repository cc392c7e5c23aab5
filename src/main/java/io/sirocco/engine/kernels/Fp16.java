package io.sirocco.engine.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Little-endian element access to mapped weights. */
public final class Fp16 {
    public static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Fp16() {
    }

    public static float f16(MemorySegment s, long offset) {
        return Float.float16ToFloat(s.get(SHORT, offset));
    }

    public static float bf16(MemorySegment s, long offset) {
        return Float.intBitsToFloat(s.get(SHORT, offset) << 16);
    }

    /** A float rounded through binary16, as llama.cpp stores block scales. */
    public static float roundToHalf(float f) {
        return Float.float16ToFloat(Float.floatToFloat16(f));
    }
}
