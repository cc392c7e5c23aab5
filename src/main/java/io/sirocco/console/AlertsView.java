package io.sirocco.console;

import io.sirocco.alerts.AlertDeliveries;
import io.sirocco.alerts.Webhooks;

import java.util.List;

/**
 * The usage page's alert notifications: the webhook (null when none), the delivery log, and a new webhook's secret
 * (only in the response that set it).
 */
public record AlertsView(Webhooks.Webhook webhook, List<AlertDeliveries.Delivery> deliveries, String newSecret) {
}
