package io.sirocco.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The chart rendered by Helm's own template engine (helm-java), parsed into fabric8 model objects.
 * <p>
 * helm-java's {@code template} returns only the release manifest, without the hooks that the {@code helm template}
 * CLI prints too. So the chart is rendered from a copy whose {@code helm.sh/hook*} annotation keys are renamed,
 * which keeps Helm from setting those documents aside; the output is renamed back before parsing. Everything
 * else is rendered exactly as Helm renders it.
 */
final class RenderedChart {
    static final Path CHART = Path.of("helm/sirocco");
    static final String RELEASE = "sirocco";

    private static final String HOOK = "helm.sh/hook";
    private static final String UNHOOKED = "unhooked.test.sirocco.io/hook";
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

    final String yaml;
    final List<HasMetadata> resources;

    private RenderedChart(String yaml) {
        this.yaml = yaml;
        this.resources = parse(yaml);
    }

    /** Renders with the chart's values, then {@code valuesFile} (may be null), then {@code sets}. */
    static RenderedChart render(Path valuesFile, Map<String, Object> sets) {
        Path copy = chartWithVisibleHooks();
        try {
            TemplateCommand template = new Helm(copy).template().withName(RELEASE).withNamespace("llm");
            if (valuesFile != null) {
                template = template.withValuesFile(valuesFile.toAbsolutePath());
            }
            for (var set : sets.entrySet()) {
                template = template.set(set.getKey(), set.getValue());
            }
            return new RenderedChart(template.call().replace(UNHOOKED, HOOK));
        } finally {
            deleteTree(copy);
        }
    }

    static RenderedChart render(Path valuesFile) {
        return render(valuesFile, Map.of());
    }

    private static Path chartWithVisibleHooks() {
        try {
            Path root = Files.createTempDirectory("sirocco-chart");
            Path copy = root.resolve("sirocco");
            try (Stream<Path> files = Files.walk(CHART)) {
                for (Path source : files.toList()) {
                    Path target = copy.resolve(CHART.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.writeString(target, Files.readString(source).replace(HOOK, UNHOOKED));
                    }
                }
            }
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path chartCopy) {
        try (Stream<Path> files = Files.walk(chartCopy.getParent())) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<HasMetadata> parse(String yaml) {
        List<HasMetadata> out = new ArrayList<>();
        for (String doc : DOCUMENT_SEPARATOR.split(yaml)) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
                continue;
            }
            out.add(SERIALIZATION.unmarshal(doc));
        }
        return out;
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type, String name) {
        return find(type, name).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name
                + " among " + resources.stream().map(r -> r.getKind() + "/" + r.getMetadata().getName()).toList()));
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream().filter(r -> name.equals(r.getMetadata().getName())).findFirst();
    }

    List<GenericKubernetesResource> ofKind(String kind) {
        return all(GenericKubernetesResource.class).stream().filter(r -> kind.equals(r.getKind())).toList();
    }
}
