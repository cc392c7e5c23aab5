package io.sirocco.engine.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes GGUF version 3 files: metadata in insertion order, then tensor infos, then tensor data,
 * each aligned to {@code alignment} bytes (llama.cpp's layout). Used for test and demo models.
 */
public final class GgufWriter {
    private final int alignment;
    private final Buf header = new Buf();
    private int kvCount;
    private final List<Tensor> tensors = new ArrayList<>();

    private record Tensor(String name, GgmlType type, long[] ne, byte[] data) {
    }

    public GgufWriter() {
        this(GgufFile.DEFAULT_ALIGNMENT);
    }

    /** A non-default alignment is also written as {@code general.alignment} (call before other keys). */
    public GgufWriter(int alignment) {
        this.alignment = alignment;
        if (alignment != GgufFile.DEFAULT_ALIGNMENT) {
            putU32("general.alignment", alignment);
        }
    }

    private Buf key(String key, GgufValueType type) {
        kvCount++;
        header.string(key);
        header.i32(type.code);
        return header;
    }

    public GgufWriter putString(String key, String value) {
        key(key, GgufValueType.STRING).string(value);
        return this;
    }

    public GgufWriter putU32(String key, long value) {
        key(key, GgufValueType.UINT32).i32((int) value);
        return this;
    }

    public GgufWriter putU64(String key, long value) {
        key(key, GgufValueType.UINT64).i64(value);
        return this;
    }

    public GgufWriter putI32(String key, int value) {
        key(key, GgufValueType.INT32).i32(value);
        return this;
    }

    public GgufWriter putF32(String key, float value) {
        key(key, GgufValueType.FLOAT32).i32(Float.floatToRawIntBits(value));
        return this;
    }

    public GgufWriter putBool(String key, boolean value) {
        key(key, GgufValueType.BOOL).i8(value ? 1 : 0);
        return this;
    }

    private Buf arrayKey(String key, GgufValueType elem, int n) {
        Buf b = key(key, GgufValueType.ARRAY);
        b.i32(elem.code);
        b.i64(n);
        return b;
    }

    public GgufWriter putStrings(String key, String[] values) {
        Buf b = arrayKey(key, GgufValueType.STRING, values.length);
        for (String v : values) {
            b.string(v);
        }
        return this;
    }

    public GgufWriter putF32s(String key, float[] values) {
        Buf b = arrayKey(key, GgufValueType.FLOAT32, values.length);
        for (float v : values) {
            b.i32(Float.floatToRawIntBits(v));
        }
        return this;
    }

    public GgufWriter putI32s(String key, int[] values) {
        Buf b = arrayKey(key, GgufValueType.INT32, values.length);
        for (int v : values) {
            b.i32(v);
        }
        return this;
    }

    /** Adds a tensor; {@code data} holds its encoded bytes (not copied). */
    public GgufWriter addTensor(String name, GgmlType type, long[] ne, byte[] data) {
        long n = 1;
        for (long d : ne) {
            n *= d;
        }
        if (type.bytesFor(n) != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " bytes, expected " + type.bytesFor(n));
        }
        tensors.add(new Tensor(name, type, ne.clone(), data));
        return this;
    }

    public void write(Path path) {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20)) {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void write(OutputStream out) throws IOException {
        Buf head = new Buf();
        head.i32(GgufFile.MAGIC);
        head.i32(3);
        head.i64(tensors.size());
        head.i64(kvCount);
        head.bytes(header.toByteArray());
        long offset = 0;
        for (Tensor t : tensors) {
            head.string(t.name);
            head.i32(t.ne.length);
            for (long d : t.ne) {
                head.i64(d);
            }
            head.i32(t.type.code);
            head.i64(offset);
            offset = GgufFile.alignUp(offset + t.data.length, alignment);
        }
        byte[] h = head.toByteArray();
        out.write(h);
        out.write(new byte[(int) (GgufFile.alignUp(h.length, alignment) - h.length)]);
        for (Tensor t : tensors) {
            out.write(t.data);
            out.write(new byte[(int) (GgufFile.alignUp(t.data.length, alignment) - t.data.length)]);
        }
    }

    /** A growable little-endian byte buffer. */
    private static final class Buf {
        private ByteBuffer bb = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        private void ensure(int n) {
            if (bb.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(bb.capacity() * 2, bb.position() + n))
                        .order(ByteOrder.LITTLE_ENDIAN);
                bb.flip();
                bigger.put(bb);
                bb = bigger;
            }
        }

        void i8(int v) {
            ensure(1);
            bb.put((byte) v);
        }

        void i32(int v) {
            ensure(4);
            bb.putInt(v);
        }

        void i64(long v) {
            ensure(8);
            bb.putLong(v);
        }

        void bytes(byte[] b) {
            ensure(b.length);
            bb.put(b);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b);
        }

        byte[] toByteArray() {
            byte[] out = new byte[bb.position()];
            bb.get(0, out);
            return out;
        }
    }
}
