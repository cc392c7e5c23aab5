package io.sirocco.batch;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** A file's metadata: its owner, name, purpose and size. The bytes are in the {@link FileStore}. */
public record StoredFile(String id, UUID orgId, String filename, String purpose, String sampleType, long bytes,
                         Integer numLines, Instant createdAt) {

    /** The file object of both APIs: OpenAI's fields and Mistral's ({@code sample_type}, {@code source}, …). */
    Map<String, Object> json() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("object", "file");
        out.put("bytes", bytes);
        out.put("created_at", createdAt.getEpochSecond());
        out.put("filename", filename);
        out.put("purpose", purpose);
        out.put("status", "processed");
        out.put("status_details", null);
        out.put("sample_type", sampleType);
        out.put("num_lines", numLines);
        out.put("mimetype", "application/jsonl");
        out.put("source", sampleType.equals("batch_request") ? "upload" : "mistral");
        out.put("deleted", false);
        return out;
    }
}
