-- Billing (issue 5): caps, reservations, alerts, prepaid credit, hourly rollups and invoices.
-- Billing keeps its own tables beside organizations/api_keys instead of altering them.

-- Per-org billing profile: country (VAT), VAT number (B2B when set), optional prepaid credit.
create table billing_accounts (
    org_id              uuid primary key references organizations (id),
    country             char(2),                                  -- ISO 3166-1 alpha-2; null: seller's country
    vat_number          varchar(32),                              -- set: business customer (EU reverse charge)
    credit_enabled      boolean        not null default false,
    credit_balance_eur  numeric(30, 15) not null default 0,
    credit_reserved_eur numeric(30, 15) not null default 0 check (credit_reserved_eur >= 0),
    updated_at          timestamptz    not null default now()
);

-- Prepaid credit movements: admin top-ups (and adjustments). Usage draws the balance down at settlement.
create table credit_transactions (
    id          bigserial primary key,
    org_id      uuid           not null references organizations (id),
    amount_eur  numeric(30, 15) not null,
    kind        varchar(16)    not null check (kind in ('topup', 'adjustment')),
    note        varchar(500),
    created_by  varchar(200),
    created_at  timestamptz    not null default now()
);
create index credit_transactions_org on credit_transactions (org_id, created_at);

-- Optional monthly spend caps, for an org (scope 'org') or a key (scope 'key'). No row: no cap.
create table spend_caps (
    scope           varchar(8)     not null check (scope in ('org', 'key')),
    scope_id        uuid           not null,
    org_id          uuid           not null references organizations (id),
    monthly_cap_eur numeric(20, 9) not null check (monthly_cap_eur >= 0),
    updated_at      timestamptz    not null default now(),
    primary key (scope, scope_id)
);

-- Spend and open reservations per org / key and calendar month (UTC). Admission locks this row:
--   update ... set reserved = reserved + worst where spent + reserved + worst <= cap
create table budget_periods (
    scope        varchar(8)      not null check (scope in ('org', 'key')),
    scope_id     uuid            not null,
    period       date            not null,                      -- first day of the month
    spent_eur    numeric(30, 15) not null default 0,
    reserved_eur numeric(30, 15) not null default 0 check (reserved_eur >= 0),
    alerted_80   boolean         not null default false,
    alerted_100  boolean         not null default false,
    primary key (scope, scope_id, period)
);

-- One open reservation per admitted, unsettled request. Settlement or the sweep deletes it.
create table budget_reservations (
    request_id  varchar(64)     primary key,
    org_id      uuid            not null,
    key_id      uuid,
    period      date            not null,
    amount_eur  numeric(30, 15) not null check (amount_eur >= 0),
    on_credit   boolean         not null,
    node_id     varchar(100)    not null,
    created_at  timestamptz     not null default now()
);
create index budget_reservations_age on budget_reservations (created_at);

-- Threshold alerts (80% / 100% of a cap), recorded by the budget-alerts consumer; idempotent.
create table budget_alerts (
    id          bigserial primary key,
    org_id      uuid            not null,
    scope       varchar(8)      not null,
    scope_id    uuid            not null,
    period      date            not null,
    threshold   integer         not null check (threshold in (80, 100)),
    spent_eur   numeric(30, 15) not null,
    cap_eur     numeric(20, 9)  not null,
    created_at  timestamptz     not null default now(),
    unique (scope, scope_id, period, threshold)
);
create index budget_alerts_org on budget_alerts (org_id, created_at);

-- Hourly rollups per org x key x model x prices, maintained in the ledger insert's transaction.
-- key_id uses the nil UUID for key-less usage so it can be part of the primary key.
create table usage_hourly (
    hour                timestamptz     not null,
    org_id              uuid            not null,
    key_id              uuid            not null,
    model               varchar(64)     not null,
    input_eur_per_mtok  numeric(20, 9)  not null,
    output_eur_per_mtok numeric(20, 9)  not null,
    requests            bigint          not null,
    prompt_tokens       bigint          not null,
    completion_tokens   bigint          not null,
    input_cost_eur      numeric(30, 15) not null,
    output_cost_eur     numeric(30, 15) not null,
    primary key (hour, org_id, key_id, model, input_eur_per_mtok, output_eur_per_mtok)
);
create index usage_hourly_org_hour on usage_hourly (org_id, hour);

-- Gapless invoice numbers: one counter row, incremented in the invoice's transaction.
create table invoice_counter (
    id          integer primary key check (id = 1),
    last_number bigint  not null
);
insert into invoice_counter (id, last_number) values (1, 0);

create table invoices (
    id              uuid            primary key,
    number          bigint          not null unique,
    org_id          uuid            not null references organizations (id),
    period          date            not null,                   -- the billed month (first day)
    org_name        varchar(200)    not null,
    country         char(2),
    vat_number      varchar(32),
    currency        char(3)         not null default 'EUR',
    subtotal_eur    numeric(20, 2)  not null,
    vat_rate        numeric(6, 4)   not null,
    vat_eur         numeric(20, 2)  not null,
    total_eur       numeric(20, 2)  not null,
    reverse_charge  boolean         not null,
    note            varchar(500),
    issued_at       timestamptz     not null default now(),
    unique (org_id, period)
);

create table invoice_lines (
    invoice_id      uuid            not null references invoices (id),
    line_no         integer         not null,
    model           varchar(64)     not null,
    direction       varchar(8)      not null check (direction in ('input', 'output')),
    tokens          bigint          not null,
    unit_eur_per_mtok numeric(20, 9) not null,
    amount_eur      numeric(20, 2)  not null,
    primary key (invoice_id, line_no)
);

-- Closed invoices are immutable: no update or delete, ever.
create function forbid_invoice_change() returns trigger language plpgsql as $$
begin
    raise exception 'invoices are immutable once issued';
end $$;
create trigger invoices_immutable before update or delete on invoices
    for each row execute function forbid_invoice_change();
create trigger invoice_lines_immutable before update or delete on invoice_lines
    for each row execute function forbid_invoice_change();
