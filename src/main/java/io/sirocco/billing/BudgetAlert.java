package io.sirocco.billing;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.UUID;

/**
 * A cap crossed a threshold (80 or 100 percent), published on the {@code budget-alerts} channel.
 *
 * @param scope    whose cap
 * @param scopeId  the org id or the key id
 */
public record BudgetAlert(UUID orgId, BudgetScope scope, UUID scopeId, LocalDate period, int threshold,
                          BigDecimal spentEur, BigDecimal capEur) {
}
