package io.sirocco.engine.gguf;

import io.sirocco.engine.EngineException;
import io.sirocco.engine.quant.Quantizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgufFileTest {
    @TempDir
    Path dir;

    static float[] floats(int n, long seed) {
        Random r = new Random(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian();
        }
        return f;
    }

    Path writeSample(int alignment) {
        GgufWriter w = new GgufWriter(alignment);
        w.putString("general.architecture", "llama").putU32("a.u32", 4000000000L).putI32("a.i32", -5)
                .putF32("a.f32", 1.5f).putBool("a.bool", true).putU64("a.u64", 1L << 40)
                .putStrings("a.strs", new String[]{"x", "▁y", ""}).putF32s("a.f32s", new float[]{1, 2})
                .putI32s("a.i32s", new int[]{-1, 7});
        for (GgmlType t : new GgmlType[]{GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0}) {
            w.addTensor("t." + t, t, new long[]{64, 3}, Quantizer.encode(t, floats(64 * 3, t.code)));
        }
        w.addTensor("odd", GgmlType.F32, new long[]{5}, Quantizer.encode(GgmlType.F32, floats(5, 9)));
        Path p = dir.resolve("sample-" + alignment + ".gguf");
        w.write(p);
        return p;
    }

    @Test
    void writerRoundTripsMetadataAndTensors() {
        for (int alignment : new int[]{32, 64}) {
            try (GgufFile f = GgufFile.open(writeSample(alignment))) {
                assertEquals(3, f.version());
                assertEquals(4000000000L, f.getLong("a.u32", 0));
                assertEquals(-5, f.getInt("a.i32", 0));
                assertEquals(1.5f, f.getFloat("a.f32", 0));
                assertTrue(f.getBool("a.bool", false));
                assertEquals(1L << 40, f.getLong("a.u64", 0));
                assertArrayEquals(new String[]{"x", "▁y", ""}, (String[]) f.get("a.strs"));
                assertArrayEquals(new float[]{1, 2}, (float[]) f.get("a.f32s"));
                assertArrayEquals(new long[]{-1, 7}, (long[]) f.get("a.i32s"));
                for (GgmlType t : new GgmlType[]{GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0}) {
                    GgufTensor tensor = f.tensor("t." + t);
                    assertEquals(t, tensor.type());
                    assertArrayEquals(new long[]{64, 3}, tensor.ne());
                    assertArrayEquals(Quantizer.encode(t, floats(64 * 3, t.code)), tensor.data().toArray(ValueLayout.JAVA_BYTE));
                    assertEquals(0, (tensor.data().address() - f.tensor("t.F32").data().address()) % alignment);
                }
            }
        }
    }

    /** A hand-built GGUF v2 file with every metadata value type. */
    static byte[] v2File() {
        Raw r = new Raw();
        r.i32(GgufFile.MAGIC).i32(2).i64(1).i64(13);
        r.str("u8").i32(0).i8(200);
        r.str("i8").i32(1).i8(-3);
        r.str("u16").i32(2).i16(60000);
        r.str("i16").i32(3).i16(-300);
        r.str("u32").i32(4).i32(-1);
        r.str("i32").i32(5).i32(-7);
        r.str("f32").i32(6).i32(Float.floatToIntBits(0.25f));
        r.str("bool").i32(7).i8(0);
        r.str("str").i32(8).str("héllo");
        r.str("u64").i32(10).i64(123456789012L);
        r.str("i64").i32(11).i64(-9);
        r.str("f64").i32(12).i64(Double.doubleToLongBits(2.5));
        r.str("nested").i32(9).i32(9).i64(2).i32(4).i64(1).i32(42).i32(8).i64(1).str("z");
        r.str("w").i32(1).i64(32).i32(0).i64(0);
        r.pad(32);
        for (int i = 0; i < 32; i++) {
            r.i32(Float.floatToIntBits(i));
        }
        return r.bytes();
    }

    @Test
    void readsVersion2AndEveryValueType() throws Exception {
        Path p = dir.resolve("v2.gguf");
        Files.write(p, v2File());
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(2, f.version());
            assertEquals(200L, f.get("u8"));
            assertEquals(-3L, f.get("i8"));
            assertEquals(60000L, f.get("u16"));
            assertEquals(-300L, f.get("i16"));
            assertEquals(4294967295L, f.get("u32"));
            assertEquals(-7L, f.get("i32"));
            assertEquals(0.25f, f.get("f32"));
            assertEquals(false, f.get("bool"));
            assertEquals("héllo", f.get("str"));
            assertEquals(123456789012L, f.get("u64"));
            assertEquals(-9L, f.get("i64"));
            assertEquals(2.5, f.get("f64"));
            Object[] nested = (Object[]) f.get("nested");
            assertArrayEquals(new long[]{42}, (long[]) nested[0]);
            assertArrayEquals(new String[]{"z"}, (String[]) nested[1]);
            assertEquals(31f, f.tensor("w").data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 31 * 4));
        }
    }

    void assertBad(byte[] file, String expected) throws Exception {
        Path p = dir.resolve("bad.gguf");
        Files.write(p, file);
        EngineException e = assertThrows(EngineException.class, () -> GgufFile.open(p).close());
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void badFilesGiveClearErrors() throws Exception {
        byte[] good = v2File();
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertBad(magic, "bad magic");
        assertBad(Arrays.copyOf(good, good.length - 4), "out of bounds");
        assertBad(Arrays.copyOf(good, 20), "truncated");
        assertBad(new byte[0], "truncated");
        byte[] version = good.clone();
        version[4] = 9;
        assertBad(version, "unsupported GGUF version");
        byte[] type = good.clone();
        int tensorType = indexOf(good, "w".getBytes(StandardCharsets.UTF_8), 200) + 1 + 4 + 8;
        type[tensorType] = 99;
        assertBad(type, "unknown type 99");
        byte[] offset = good.clone();
        offset[tensorType + 4] = 64;
        assertBad(offset, "out of bounds");
        byte[] count = good.clone();
        count[8] = (byte) 0xff;
        count[15] = 0x7f;
        assertBad(count, "implausible tensor count");
    }

    @Test
    void everyTruncationAndRandomCorruptionFailsCleanly() throws Exception {
        byte[] good = v2File();
        Path p = dir.resolve("fuzz.gguf");
        for (int n = 0; n < good.length; n++) {
            Files.write(p, Arrays.copyOf(good, n));
            assertThrows(EngineException.class, () -> GgufFile.open(p).close(), "prefix " + n);
        }
        Random rnd = new Random(3);
        for (int i = 0; i < 500; i++) {
            byte[] b = good.clone();
            for (int k = 0; k < 3; k++) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            Files.write(p, b);
            try {
                GgufFile.open(p).close();
            } catch (EngineException expected) {
                // fine: a clear error, not a crash or another exception type
            }
        }
    }

    static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            // a string body is preceded by its u64 length
            if (i >= 8 && hay[i - 8] == needle.length) {
                return i;
            }
        }
        throw new IllegalStateException("not found");
    }

    /** Little-endian byte builder for hand-made files. */
    static final class Raw {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Raw i8(int v) {
            out.write(v);
            return this;
        }

        Raw i16(int v) {
            return i8(v).i8(v >> 8);
        }

        Raw i32(int v) {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
            return this;
        }

        Raw i64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            return this;
        }

        Raw str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            out.writeBytes(b);
            return this;
        }

        Raw pad(int a) {
            while (out.size() % a != 0) {
                out.write(0);
            }
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
