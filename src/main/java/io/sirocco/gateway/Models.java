package io.sirocco.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/models} and {@code GET /v1/models/{id}}: the tiers the key may use, with their context length. */
@ApplicationScoped
public class Models {
    /** La Plateforme's launch, 2023-12-11: the tiers' creation date. */
    static final long CREATED = 1702252800L;

    @Inject
    Authenticate authenticate;
    @Inject
    Limit limit;
    @Inject
    ModelRegistry registry;
    @Inject
    ModelAliases aliases;

    void list(Call call) {
        authenticate.caller(call);
        limit.request(call);
        List<Map<String, Object>> data = new ArrayList<>();
        for (ModelTier tier : ModelTier.ALL) {
            if (call.key.mayUse(tier.id())) {
                registry.get(tier.id()).ifPresent(s -> data.add(card(s)));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("object", "list");
        out.put("data", data);
        call.json(200, out);
    }

    void get(Call call, String id) {
        authenticate.caller(call);
        ModelTier tier = aliases.tier(id).orElseThrow(() -> ApiError.unknownModel(id));
        if (!call.key.mayUse(tier.id())) {
            throw ApiError.forbiddenModel(id);
        }
        limit.request(call);
        ModelRegistry.Served served = registry.get(tier.id())
                .orElseThrow(() -> ApiError.unavailable("models_loading", registry.notReadyReason(), 5));
        call.json(200, card(served));
    }

    /** A tier's card: capabilities are true where they work (tools and JSON output on every chat model). */
    private Map<String, Object> card(ModelRegistry.Served s) {
        boolean chat = s.tier().kind() == ModelTier.Kind.CHAT;
        Map<String, Object> capabilities = new LinkedHashMap<>();
        capabilities.put("completion_chat", chat);
        capabilities.put("function_calling", chat);
        capabilities.put("structured_outputs", chat);
        capabilities.put("completion_fim", chat && s.engine().supportsFim());
        capabilities.put("fine_tuning", false);
        capabilities.put("vision", false);
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("id", s.tier().id());
        card.put("object", "model");
        card.put("created", CREATED);
        card.put("owned_by", "sirocco");
        card.put("type", "base");
        card.put("name", s.tier().id());
        card.put("description", s.engine().info().name());
        card.put("max_context_length", s.engine().info().contextLength());
        card.put("aliases", aliases.of(s.tier().id()));
        card.put("capabilities", capabilities);
        return card;
    }
}
