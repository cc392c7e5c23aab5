package io.sirocco.engine.golden;

import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.synthetic.ModelSpec;
import io.sirocco.engine.synthetic.SyntheticModel;
import io.sirocco.engine.synthetic.SyntheticModelWriter;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The conformance pack in test resources, and the pack's model files written once per JVM into a
 * temporary directory (each model's weights generated once for all three types).
 */
public final class GoldenPack {
    private static final Path DIR;
    private static final Map<String, Path> FILES = new ConcurrentHashMap<>();

    static {
        try {
            DIR = Files.createTempDirectory("sirocco-golden");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var s = Files.list(DIR)) {
                s.forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
            }
            DIR.toFile().delete();
        }));
    }

    private GoldenPack() {
    }

    public static final List<String> MODELS = List.of("moe-a", "dense-a");
    public static final List<GgmlType> TYPES = List.of(GgmlType.F32, GgmlType.Q8_0, GgmlType.Q4_0);

    /** The pack's model file, generated on first use. */
    public static synchronized Path model(String model, GgmlType type) {
        String key = model + "-" + type;
        Path p = FILES.get(key);
        if (p == null) {
            ModelSpec spec = ModelSpec.byName(model);
            List<SyntheticModel.Weights> w = SyntheticModel.generate(spec);
            for (GgmlType t : TYPES) {
                Path out = DIR.resolve(model + "-" + t + ".gguf");
                SyntheticModelWriter.write(spec, w, t, out);
                FILES.put(model + "-" + t, out);
            }
            p = FILES.get(key);
        }
        return p;
    }

    public static byte[] resource(String name) {
        try (InputStream in = GoldenPack.class.getResourceAsStream("/golden/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource golden/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> json(String name) {
        return (Map<String, Object>) Json.parse(new String(resource(name), StandardCharsets.UTF_8));
    }

    public static float[] logits(String file) {
        ByteBuffer b = ByteBuffer.wrap(resource("goldens/" + file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    public static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }
}
