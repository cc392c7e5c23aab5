package io.sirocco.engine.gguf;

import io.sirocco.engine.EngineException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (version 2 or 3) mapped read-only into memory. Metadata is parsed eagerly;
 * tensors are slices of the mapping. Every offset and length is checked before memory is read,
 * so a corrupt file gives an {@link EngineException} naming the file and the problem.
 *
 * <p>Metadata values are: Long (every integer type), Float, Double, Boolean, String, or for arrays
 * long[], float[], double[], boolean[], String[] or Object[] (arrays of arrays).
 */
public final class GgufFile implements AutoCloseable {
    static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 4;

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, GgufTensor> tensors;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, int version, Map<String, Object> metadata,
                     Map<String, GgufTensor> tensors) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.ofArray(new byte[0])
                    : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return parse(path, arena, seg);
        } catch (IOException e) {
            arena.close();
            throw new EngineException(path + ": cannot read GGUF file: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment seg) {
        Cursor c = new Cursor(path, seg);
        int magic = c.i32();
        if (magic != MAGIC) {
            throw c.fail(String.format("bad magic 0x%08x, not a GGUF file", magic));
        }
        int version = c.i32();
        if (version != 2 && version != 3) {
            String why = Integer.reverseBytes(version) <= 3 ? " (big-endian files are not supported)" : "";
            throw c.fail("unsupported GGUF version " + version + why);
        }
        long tensorCount = c.count(8 + 4 + 8 + 4 + 8, "tensor count");
        long kvCount = c.count(8 + 4 + 1, "metadata count");
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = c.string();
            GgufValueType type = c.valueType();
            metadata.put(key, c.value(type, key));
        }
        int alignment = alignment(c, metadata);
        record Info(String name, GgmlType type, long[] ne, long offset) {
        }
        Info[] infos = new Info[(int) tensorCount];
        for (int i = 0; i < tensorCount; i++) {
            String name = c.string();
            int nDims = c.i32();
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw c.fail("tensor " + name + " has " + nDims + " dimensions");
            }
            long[] ne = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                ne[d] = c.i64();
                if (ne[d] <= 0 || ne[d] > Integer.MAX_VALUE) {
                    throw c.fail("tensor " + name + " has bad dimension " + Long.toUnsignedString(ne[d]));
                }
            }
            int code = c.i32();
            GgmlType type = GgmlType.fromCode(code);
            if (type == null) {
                throw c.fail("tensor " + name + " has unknown type " + code);
            }
            infos[i] = new Info(name, type, ne, c.i64());
        }
        long dataStart = alignUp(c.pos, alignment);
        Map<String, GgufTensor> tensors = new LinkedHashMap<>();
        for (Info info : infos) {
            if (info.ne[0] % info.type.blockSize != 0) {
                throw c.fail("tensor " + info.name + ": row of " + info.ne[0] + " is not a multiple of the "
                        + info.type + " block size " + info.type.blockSize);
            }
            long bytes;
            try {
                long n = 1;
                for (long d : info.ne) {
                    n = Math.multiplyExact(n, d);
                }
                bytes = info.type.bytesFor(n);
            } catch (ArithmeticException e) {
                throw c.fail("tensor " + info.name + " is too large");
            }
            long start = dataStart + info.offset;
            if (info.offset < 0 || start < dataStart || bytes > seg.byteSize() - start) {
                throw c.fail("tensor " + info.name + " (" + bytes + " bytes at offset " + info.offset
                        + ") is out of bounds of the " + seg.byteSize() + "-byte file (truncated?)");
            }
            if (tensors.put(info.name, new GgufTensor(info.name, info.type, info.ne, seg.asSlice(start, bytes))) != null) {
                throw c.fail("duplicate tensor " + info.name);
            }
        }
        return new GgufFile(path, arena, seg, version, Collections.unmodifiableMap(metadata),
                Collections.unmodifiableMap(tensors));
    }

    private static int alignment(Cursor c, Map<String, Object> metadata) {
        Object a = metadata.get("general.alignment");
        if (a == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (!(a instanceof Long l) || l <= 0 || l > 1 << 20 || Long.bitCount(l) != 1) {
            throw c.fail("bad general.alignment " + a);
        }
        return (int) (long) l;
    }

    static long alignUp(long v, long alignment) {
        return (v + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public long fileSize() {
        return mapping.byteSize();
    }

    public Map<String, Object> metadata() {
        return metadata;
    }

    public Map<String, GgufTensor> tensors() {
        return tensors;
    }

    public GgufTensor tensor(String name) {
        return tensors.get(name);
    }

    public Object get(String key) {
        return metadata.get(key);
    }

    public String getString(String key, String def) {
        return metadata.get(key) instanceof String s ? s : def;
    }

    /** An integer key stored as any integer type (u32 or u64 alike). */
    public long getLong(String key, long def) {
        Object v = metadata.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Long l) {
            return l;
        }
        throw new EngineException(path + ": metadata " + key + " is not an integer: " + v);
    }

    public int getInt(String key, int def) {
        long v = getLong(key, def);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new EngineException(path + ": metadata " + key + " out of range: " + v);
        }
        return (int) v;
    }

    public float getFloat(String key, float def) {
        Object v = metadata.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Float f) {
            return f;
        }
        if (v instanceof Double d) {
            return d.floatValue();
        }
        if (v instanceof Long l) {
            return l;
        }
        throw new EngineException(path + ": metadata " + key + " is not a number: " + v);
    }

    public boolean getBool(String key, boolean def) {
        return metadata.get(key) instanceof Boolean b ? b : def;
    }

    /** Required integer key. */
    public int requireInt(String key) {
        if (!metadata.containsKey(key)) {
            throw new EngineException(path + ": missing metadata key " + key);
        }
        return getInt(key, 0);
    }

    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return path + " (GGUF v" + version + ", " + tensors.size() + " tensors)";
    }

    /** A bounds-checked little-endian reader over the mapping. */
    private static final class Cursor {
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        private final Path path;
        private final MemorySegment seg;
        long pos;

        Cursor(Path path, MemorySegment seg) {
            this.path = path;
            this.seg = seg;
        }

        EngineException fail(String problem) {
            return new EngineException(path + ": " + problem);
        }

        private void need(long n) {
            if (n < 0 || n > seg.byteSize() - pos) {
                throw fail("truncated file: needs " + n + " bytes at offset " + pos + ", file has " + seg.byteSize());
            }
        }

        byte i8() {
            need(1);
            return seg.get(ValueLayout.JAVA_BYTE, pos++);
        }

        short i16() {
            need(2);
            short v = seg.get(I16, pos);
            pos += 2;
            return v;
        }

        int i32() {
            need(4);
            int v = seg.get(I32, pos);
            pos += 4;
            return v;
        }

        long i64() {
            need(8);
            long v = seg.get(I64, pos);
            pos += 8;
            return v;
        }

        /** A u64 count whose items take at least {@code minItemBytes} each: bounded by the bytes left. */
        long count(long minItemBytes, String what) {
            long n = i64();
            if (n < 0 || n > (seg.byteSize() - pos) / minItemBytes) {
                throw fail("implausible " + what + " " + Long.toUnsignedString(n) + " (truncated or corrupt file)");
            }
            return n;
        }

        String string() {
            long len = i64();
            need(len);
            if (len > Integer.MAX_VALUE - 8) {
                throw fail("string too long");
            }
            byte[] b = new byte[(int) len];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, (int) len);
            pos += len;
            return new String(b, StandardCharsets.UTF_8);
        }

        GgufValueType valueType() {
            int code = i32();
            GgufValueType t = GgufValueType.fromCode(code);
            if (t == null) {
                throw fail("unknown metadata value type " + code + " at offset " + (pos - 4));
            }
            return t;
        }

        Object value(GgufValueType type, String key) {
            return switch (type) {
                case UINT8 -> (long) (i8() & 0xff);
                case INT8 -> (long) i8();
                case UINT16 -> (long) (i16() & 0xffff);
                case INT16 -> (long) i16();
                case UINT32 -> (long) i32() & 0xffffffffL;
                case INT32 -> (long) i32();
                case UINT64, INT64 -> i64();
                case FLOAT32 -> Float.intBitsToFloat(i32());
                case FLOAT64 -> Double.longBitsToDouble(i64());
                case BOOL -> i8() != 0;
                case STRING -> string();
                case ARRAY -> array(key);
            };
        }

        private int depth;

        private Object array(String key) {
            if (++depth > 8) {
                throw fail("arrays nested too deeply in " + key);
            }
            try {
                return arrayBody(key);
            } finally {
                depth--;
            }
        }

        private Object arrayBody(String key) {
            GgufValueType elem = valueType();
            long n = count(elem.minBytes, "array length of " + key);
            int len = (int) n;
            switch (elem) {
                case FLOAT32 -> {
                    // bulk copies: the vocabulary's 32000-entry arrays must not cost a call per element
                    need(4L * len);
                    float[] a = new float[len];
                    MemorySegment.copy(seg, F32, pos, a, 0, len);
                    pos += 4L * len;
                    return a;
                }
                case INT32, UINT32 -> {
                    need(4L * len);
                    int[] raw = new int[len];
                    MemorySegment.copy(seg, I32, pos, raw, 0, len);
                    pos += 4L * len;
                    long[] a = new long[len];
                    for (int i = 0; i < len; i++) {
                        a[i] = elem == GgufValueType.INT32 ? raw[i] : raw[i] & 0xffffffffL;
                    }
                    return a;
                }
                case FLOAT64 -> {
                    double[] a = new double[len];
                    for (int i = 0; i < len; i++) {
                        a[i] = Double.longBitsToDouble(i64());
                    }
                    return a;
                }
                case BOOL -> {
                    boolean[] a = new boolean[len];
                    for (int i = 0; i < len; i++) {
                        a[i] = i8() != 0;
                    }
                    return a;
                }
                case STRING -> {
                    String[] a = new String[len];
                    for (int i = 0; i < len; i++) {
                        a[i] = string();
                    }
                    return a;
                }
                case ARRAY -> {
                    Object[] a = new Object[len];
                    for (int i = 0; i < len; i++) {
                        a[i] = array(key);
                    }
                    return a;
                }
                default -> {
                    long[] a = new long[len];
                    for (int i = 0; i < len; i++) {
                        a[i] = (Long) value(elem, key);
                    }
                    return a;
                }
            }
        }
    }

    /** All tensor names, in file order. */
    public List<String> tensorNames() {
        return List.copyOf(tensors.keySet());
    }
}
