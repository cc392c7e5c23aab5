package io.sirocco.batch;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * The batch tests: the demo models, small file and line limits so the refusals are cheap to reach, and a slow
 * upload rate so an upload's allowance is seconds.
 */
public class BatchProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("sirocco.models.queue-capacity", "256",
                "sirocco.batch.file-max-bytes", "1M",
                "sirocco.batch.max-lines", "1200",
                "sirocco.batch.poll", "200ms",
                "sirocco.batch.upload-min-rate", "128K");
    }
}
