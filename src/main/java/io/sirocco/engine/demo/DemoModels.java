package io.sirocco.engine.demo;

import io.sirocco.engine.EngineException;
import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.gguf.GgufFile;
import io.sirocco.engine.synthetic.ModelSpec;
import io.sirocco.engine.synthetic.PackVocabulary;
import io.sirocco.engine.synthetic.SyntheticModelWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The platform's demo models: small seeded random-weight Q8_0 GGUFs with the pack's 32000-token
 * vocabulary, written at start-up when missing or older than {@link #REVISION}. They exercise the whole stack;
 * their text is noise. {@code mistral-tiny} has Mistral's fill-in-the-middle control tokens ({@code [PREFIX]},
 * {@code [SUFFIX]}, {@code [MIDDLE]}) over the vocabulary's last three filler pieces, so FIM works on a demo tier.
 */
public final class DemoModels {
    /** model id → shape. */
    public static final List<ModelSpec> MODELS = List.of(
            new ModelSpec("mistral-tiny", 256, 4, 8, 2, 768, 0, 0, 1001L, false),
            new ModelSpec("mistral-small", 256, 4, 8, 2, 512, 8, 2, 1002L, false),
            new ModelSpec("mistral-medium", 384, 6, 6, 2, 1024, 8, 2, 1003L, false),
            new ModelSpec("mistral-embed", 1024, 2, 16, 4, 512, 0, 0, 1004L, true));

    /** Bumped when the demo files change; older files are rewritten. Stored as {@code sirocco.demo.revision}. */
    public static final int REVISION = 2;
    private static final String REVISION_KEY = "sirocco.demo.revision";
    /** The fill-in-the-middle tokens of the FIM tier, over filler pieces at the end of the pack's vocabulary. */
    static final Map<Integer, String> FIM_TOKENS = Map.of(31997, "[PREFIX]", 31998, "[SUFFIX]", 31999, "[MIDDLE]");
    static final String FIM_MODEL = "mistral-tiny";

    private DemoModels() {
    }

    public static Path file(Path dir, String model) {
        return dir.resolve(model + ".gguf");
    }

    /** Writes each missing model (in parallel, atomically via a temp file); returns the four paths. */
    public static List<Path> writeIfMissing(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new EngineException(dir + ": cannot create demo model directory: " + e.getMessage(), e);
        }
        List<CompletableFuture<Path>> jobs = new ArrayList<>();
        for (ModelSpec spec : MODELS) {
            Path target = file(dir, spec.name());
            jobs.add(current(target) ? CompletableFuture.completedFuture(target)
                    : CompletableFuture.supplyAsync(() -> write(spec, target)));
        }
        try {
            return jobs.stream().map(CompletableFuture::join).toList();
        } catch (CompletionException e) {
            throw e.getCause() instanceof EngineException ee ? ee
                    : new EngineException("cannot write demo models to " + dir + ": " + e.getCause(), e.getCause());
        }
    }

    /** Whether a demo file exists and is of this revision. */
    private static boolean current(Path file) {
        if (!Files.exists(file)) {
            return false;
        }
        try (GgufFile f = GgufFile.open(file)) {
            return f.getInt(REVISION_KEY, 0) == REVISION;
        } catch (RuntimeException e) {
            return false; // unreadable: write it again
        }
    }

    private static Path write(ModelSpec spec, Path target) {
        try {
            Path tmp = Files.createTempFile(target.getParent(), spec.name(), ".part");
            try {
                PackVocabulary vocab = spec.name().equals(FIM_MODEL)
                        ? PackVocabulary.get().withControlTokens(FIM_TOKENS) : PackVocabulary.get();
                SyntheticModelWriter.write(spec, GgmlType.Q8_0, tmp, Map.of(REVISION_KEY, REVISION), vocab);
                tmp.toFile().setReadable(true, false); // temp files start owner-only
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return target;
        } catch (IOException e) {
            throw new EngineException(target + ": cannot write demo model: " + e.getMessage(), e);
        }
    }
}
