import io.sirocco.engine.kernels.*;
import io.sirocco.engine.model.*;
import java.nio.*;
import java.nio.file.*;
import java.util.regex.*;

/**
 * For each golden JSON in GOLDENS: the last-prompt logits and those of 24 greedy steps, as raw floats, into OUT/name.bin
 * (models from MODELS, written by `write-golden-model`). Run it with two builds' classes, then logits_delta.py OLD NEW GOLDENS.
 * java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp target/classes src/test/golden-recipes/LogitsDump.java GOLDENS MODELS OUT
 */
public class LogitsDump {
    public static void main(String[] a) throws Exception {
        Path goldens = Path.of(a[0]), models = Path.of(a[1]), out = Path.of(a[2]);
        Files.createDirectories(out);
        try (KernelThreads pool = new KernelThreads(1); var ds = Files.newDirectoryStream(goldens, "*.json")) {
            MatMul mm = new MatMul(Kernels.best(true), pool);
            for (Path g : ds) {
                String j = Files.readString(g);
                Matcher mf = Pattern.compile("\"model_file\": \"([^\"]+)\"").matcher(j); mf.find();
                Matcher mp = Pattern.compile("\"prompt_ids\": \\[([^\\]]+)\\]").matcher(j); mp.find();
                String[] ps = mp.group(1).split(",\\s*");
                int[] ids = new int[ps.length];
                for (int i = 0; i < ids.length; i++) ids[i] = Integer.parseInt(ps[i].trim());
                try (Model m = Model.load(models.resolve(mf.group(1)))) {
                    SingleSequence s = new SingleSequence(m, mm, ids.length + 32);
                    float[] l = s.prefill(ids);
                    ByteBuffer bb = ByteBuffer.allocate(25 * l.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    for (int step = 0; step < 25; step++) {
                        for (float v : l) bb.putFloat(v);
                        if (step < 24) { int best = 0; for (int i = 1; i < l.length; i++) if (l[i] > l[best]) best = i; l = s.decode(best); }
                    }
                    Files.write(out.resolve(g.getFileName().toString().replace(".json", ".bin")), bb.array());
                }
            }
            System.out.println(mm.kernels().name());
        }
    }
}
