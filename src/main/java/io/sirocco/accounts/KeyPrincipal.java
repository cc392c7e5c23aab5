package io.sirocco.accounts;

import java.util.Set;
import java.util.UUID;

/**
 * The caller behind an API key, as the gateway sees it.
 *
 * @param allowedModels models the key may call; empty means every model
 * @param rpmLimit      requests per minute for this key
 * @param tpmLimit      tokens per minute for this key
 * @param plan          the organization's plan (its queue priority when scaled out)
 */
public record KeyPrincipal(UUID keyId, UUID orgId, String keyName, Set<String> allowedModels, int rpmLimit,
                           int tpmLimit, String plan) {
    public boolean mayUse(String model) {
        return allowedModels.isEmpty() || allowedModels.contains(model);
    }
}
