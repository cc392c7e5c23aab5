-- Budget alert notifications (issue 15): email to the org's owners and, when configured, a signed webhook.

-- When an alert's deliveries were planned. Alerts recorded before this migration count as planned (never sent late).
alter table budget_alerts add column notified_at timestamptz;
update budget_alerts set notified_at = created_at;
create index budget_alerts_unplanned on budget_alerts (id) where notified_at is null;

-- One webhook per org. The secret is the HMAC-SHA256 key: the service needs it in clear to sign, so it is stored as
-- is (like any signing key), shown once to the owner who sets it, and never logged.
create table alert_webhooks (
    org_id     uuid          primary key references organizations (id),
    url        varchar(2000) not null,
    secret     varchar(100)  not null,
    updated_by varchar(254),
    updated_at timestamptz   not null default now()
);

-- Each notification of an alert on one channel (email to one owner, or the webhook), with its retry state.
-- payload is the exact body sent (the same bytes on every retry; the signature covers it with a new timestamp).
create table alert_deliveries (
    id              uuid          primary key,
    alert_id        bigint        not null references budget_alerts (id),
    org_id          uuid          not null,
    channel         varchar(8)    not null check (channel in ('email', 'webhook')),
    target          varchar(2000) not null,
    payload         text          not null,
    status          varchar(12)   not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    attempts        integer       not null default 0,
    next_attempt_at timestamptz   not null default now(),
    last_result     varchar(500),
    created_at      timestamptz   not null default now(),
    delivered_at    timestamptz,
    unique (alert_id, channel, target)
);
create index alert_deliveries_due on alert_deliveries (next_attempt_at) where status = 'pending';
create index alert_deliveries_org on alert_deliveries (org_id, created_at);
