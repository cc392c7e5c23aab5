package io.sirocco.accounts;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A member's role in an organization, and the one table of what each role may do. Every console page, console JSON
 * route and navigation link asks {@link #may}; nothing else decides.
 */
public enum OrgRole {
    OWNER(EnumSet.allOf(Permission.class)),
    DEVELOPER(EnumSet.of(Permission.KEYS, Permission.PLAYGROUND, Permission.BATCH, Permission.USAGE)),
    BILLING(EnumSet.of(Permission.USAGE, Permission.INVOICES));

    private final Set<Permission> permissions;

    OrgRole(Set<Permission> permissions) {
        this.permissions = permissions;
    }

    public boolean may(Permission p) {
        return permissions.contains(p);
    }

    /** The stored name: {@code owner}, {@code developer}, {@code billing}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<OrgRole> find(String id) {
        return id == null ? Optional.empty()
                : Arrays.stream(values()).filter(r -> r.id().equals(id.strip().toLowerCase(Locale.ROOT))).findFirst();
    }

    /** The role named by a form or JSON field, or a 400 naming the choices. */
    public static OrgRole parse(String field, String id) {
        return find(id).orElseThrow(() -> AccountsException.invalid(field,
                "Unknown role: choose one of " + ids() + "."));
    }

    public static List<String> ids() {
        return Arrays.stream(values()).map(OrgRole::id).toList();
    }
}
