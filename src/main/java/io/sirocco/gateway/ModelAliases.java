package io.sirocco.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Model ids as people type them: each tier's other names ({@code sirocco.models.<id>.aliases}, a comma list;
 * defaults in application.properties, e.g. {@code mistral-tiny-latest}). A request may name a tier by any of
 * them; keys, prices, usage and responses use the tier's own id.
 */
@ApplicationScoped
public class ModelAliases {
    @Inject
    Config config;

    private volatile Map<String, ModelTier> byName;

    /** The tier a name stands for: its id or one of its aliases. */
    public Optional<ModelTier> tier(String name) {
        return Optional.ofNullable(names().get(name));
    }

    /** A tier's aliases, in configured order. */
    public List<String> of(String tierId) {
        return config.getOptionalValue("sirocco.models." + tierId + ".aliases", String.class)
                .map(s -> Arrays.stream(s.split(",")).map(String::trim).filter(a -> !a.isEmpty()).toList())
                .orElse(List.of());
    }

    private Map<String, ModelTier> names() {
        Map<String, ModelTier> m = byName;
        if (m == null) {
            m = new HashMap<>();
            for (ModelTier t : ModelTier.ALL) {
                m.put(t.id(), t);
            }
            for (ModelTier t : ModelTier.ALL) {
                for (String alias : of(t.id())) {
                    ModelTier before = m.putIfAbsent(alias, t);
                    if (before != null && before != t) {
                        throw new IllegalStateException("model alias " + alias + " names both " + before.id()
                                + " and " + t.id());
                    }
                }
            }
            byName = m;
        }
        return m;
    }
}
