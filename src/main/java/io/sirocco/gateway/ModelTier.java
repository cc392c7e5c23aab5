package io.sirocco.gateway;

import java.util.List;
import java.util.Optional;

/** The model ids the API serves and what each does. */
public record ModelTier(String id, Kind kind) {
    public enum Kind { CHAT, EMBEDDINGS }

    public static final List<ModelTier> ALL = List.of(
            new ModelTier("mistral-tiny", Kind.CHAT),
            new ModelTier("mistral-small", Kind.CHAT),
            new ModelTier("mistral-medium", Kind.CHAT),
            new ModelTier("mistral-embed", Kind.EMBEDDINGS));

    public static Optional<ModelTier> byId(String id) {
        return ALL.stream().filter(t -> t.id.equals(id)).findFirst();
    }
}
