package io.sirocco.accounts;

import io.quarkus.qute.TemplateData;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** An organization and its plan: tier access (empty: every model), requests and tokens per minute. */
@TemplateData
public record Organization(UUID id, String name, String plan, int rpmLimit, int tpmLimit, List<String> allowedModels,
                           Instant createdAt) {
    public boolean mayUse(String model) {
        return allowedModels.isEmpty() || allowedModels.contains(model);
    }
}
