package io.sirocco.engine.kernels;

import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.gguf.GgufTensor;

import java.lang.foreign.MemorySegment;

/**
 * A weight matrix of {@code rows} rows of {@code cols} elements, stored row after row in {@code data}
 * (a view into the mapped file). Computes {@code y[r] = Σ_c W[r, c]·x[c]}: a GGUF tensor with
 * ne = [cols, rows] (one expert of a 3-D tensor is a slice of it).
 */
public record Matrix(String name, GgmlType type, MemorySegment data, int cols, int rows) {

    public Matrix {
        if (cols % type.blockSize != 0) {
            throw new IllegalArgumentException(name + ": " + cols + " columns is not a multiple of " + type.blockSize);
        }
        if (data.byteSize() != type.bytesFor(cols) * rows) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for " + rows + "×" + cols + " " + type);
        }
    }

    public long rowBytes() {
        return type.bytesFor(cols);
    }

    /** A 2-D tensor, or expert {@code e} of a 3-D one. */
    public static Matrix of(GgufTensor t, int expert) {
        int cols = (int) t.ne()[0];
        int rows = (int) t.ne()[1];
        long bytes = t.type().bytesFor(cols) * rows;
        String name = t.ne().length > 2 ? t.name() + "[" + expert + "]" : t.name();
        return new Matrix(name, t.type(), t.data().asSlice(expert * bytes, bytes), cols, rows);
    }
}
