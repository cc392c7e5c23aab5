package io.sirocco.accounts;

import io.quarkus.qute.TemplateData;

import java.util.UUID;

/** A freshly created key. {@code secret} is the only copy of the full key: show it once, never store it. */
@TemplateData
public record CreatedKey(UUID keyId, String prefix, String secret) {
    @Override
    public String toString() {
        return "CreatedKey[keyId=" + keyId + ", prefix=" + prefix + "]";
    }
}
