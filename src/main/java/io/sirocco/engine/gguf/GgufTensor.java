package io.sirocco.engine.gguf;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One tensor of a mapped GGUF file. {@code data} is a view into the mapping, never a copy.
 * {@code ne} is in ggml order: ne[0] is the contiguous dimension.
 */
public record GgufTensor(String name, GgmlType type, long[] ne, MemorySegment data) {

    public long elementCount() {
        long n = 1;
        for (long d : ne) {
            n *= d;
        }
        return n;
    }

    public long rowBytes() {
        return type.bytesFor(ne[0]);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(ne);
    }
}
