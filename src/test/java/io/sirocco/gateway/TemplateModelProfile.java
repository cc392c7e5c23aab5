package io.sirocco.gateway;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.sirocco.engine.demo.DemoModels;
import io.sirocco.engine.tokenizer.TestVocabularies;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * mistral-tiny served from a copy of its demo file that has Mistral v0.3's control tokens and carries Mistral v0.3's
 * own chat template (tokenizer.chat_template), so the gateway renders chats with the file's template.
 */
public class TemplateModelProfile implements QuarkusTestProfile {
    static final Path FILE = Path.of("target/test-data/template-model/mistral-tiny-v03.gguf");

    static String v03Template() {
        try (InputStream in = TemplateModelProfile.class.getResourceAsStream("/chat-templates/mistral-v03.jinja")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Path demo = Path.of("target/test-data/template-model/demo");
        DemoModels.writeIfMissing(demo);
        try {
            java.nio.file.Files.createDirectories(FILE.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TestVocabularies.withMistralControls(DemoModels.file(demo, "mistral-tiny"), FILE, v03Template());
        return Map.of("sirocco.models.mistral-tiny.path", FILE.toAbsolutePath().toString(),
                "sirocco.models.queue-capacity", "256");
    }
}
