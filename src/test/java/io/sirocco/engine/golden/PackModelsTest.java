package io.sirocco.engine.golden;

import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.gguf.GgufFile;
import io.sirocco.engine.gguf.GgufTensor;
import io.sirocco.engine.random.SplitMix64;
import io.sirocco.engine.synthetic.SyntheticModel;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The generator, writer and quantizers reproduce the pack's model files byte for byte. */
class PackModelsTest {

    @Test
    void splitmixAndAmplitudeCheckValues() {
        SplitMix64 r = new SplitMix64(20261126L);
        assertEquals(0xc4c855368c0f4912L, r.next());
        assertEquals(0xd9fcf06bdf12311cL, r.next());
        assertEquals(0x46023adc03362bc1L, r.next());
        assertEquals(0x405db3d7, Float.floatToIntBits(SyntheticModel.amplitude("token_embd", 1)));
        assertEquals(0x3dbc1eee, Float.floatToIntBits(SyntheticModel.amplitude("ffn_down", 512)));
        assertEquals(0x3d99999a, Float.floatToIntBits(SyntheticModel.amplitude("ffn_down", 768)));
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyTensorAndFileMatchesModelsJson() throws Exception {
        Map<String, Object> models = (Map<String, Object>) GoldenPack.json("models.json").get("models");
        for (String model : GoldenPack.MODELS) {
            Map<String, Object> files = (Map<String, Object>) ((Map<String, Object>) models.get(model)).get("files");
            for (GgmlType type : GoldenPack.TYPES) {
                Map<String, Object> f = (Map<String, Object>) files.get(type.name());
                Path path = GoldenPack.model(model, type);
                assertEquals(((Number) f.get("file_size")).longValue(), Files.size(path), model + " " + type + " size");
                try (GgufFile g = GgufFile.open(path)) {
                    for (Map<String, Object> t : (List<Map<String, Object>>) f.get("tensors")) {
                        GgufTensor tensor = g.tensor((String) t.get("name"));
                        assertEquals(t.get("type"), tensor.type().name(), tensor.name());
                        assertEquals(t.get("sha256"), sha256(tensor.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)),
                                model + " " + type + " " + tensor.name());
                    }
                }
                assertEquals(f.get("file_sha256"), sha256(path), model + " " + type + " whole file");
            }
        }
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
