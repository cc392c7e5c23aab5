package io.sirocco.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Pipeline step 3: the served model: 404 unknown, 403 not allowed for the key, 422 wrong kind, 503 loading. */
@ApplicationScoped
class ResolveModel {
    @Inject
    ModelRegistry registry;
    @Inject
    ModelAliases aliases;

    /** By the model's id or an alias; use the served tier's id from here on (prices, usage and responses). */
    ModelRegistry.Served served(Call call, String model, ModelTier.Kind kind) {
        ModelTier tier = aliases.tier(model).orElseThrow(() -> ApiError.unknownModel(model));
        if (!call.key.mayUse(tier.id())) {
            throw ApiError.forbiddenModel(model);
        }
        if (tier.kind() != kind) {
            throw ApiError.invalid("model", model + (kind == ModelTier.Kind.CHAT
                    ? " is an embedding model; use /v1/embeddings" : " is a chat model; use /v1/chat/completions"));
        }
        return registry.get(tier.id()).orElseThrow(() -> ApiError.unavailable("models_loading",
                registry.notReadyReason(), 5));
    }
}
