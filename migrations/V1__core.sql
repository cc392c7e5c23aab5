-- Core tables shared by every feature: organizations, API keys, the price book and the usage ledger.
-- Later migrations extend them; never edit this file once applied.

create table organizations (
    id          uuid primary key,
    name        varchar(200) not null,
    plan        varchar(40)  not null default 'default',
    rpm_limit   integer      not null default 120 check (rpm_limit > 0),
    tpm_limit   integer      not null default 200000 check (tpm_limit > 0),
    allowed_models text[],                      -- null: every tier
    created_at  timestamptz  not null default now()
);

create table api_keys (
    id           uuid primary key,
    org_id       uuid         not null references organizations (id),
    name         varchar(200) not null,
    key_prefix   varchar(16)  not null,         -- shown in listings, e.g. "sk-AbCd12"
    key_hash     char(64)     not null unique,  -- hex SHA-256 of the full key; the key itself is never stored
    allowed_models text[],                      -- null: the org's tiers
    rpm_limit    integer check (rpm_limit > 0), -- null: the org's plan
    tpm_limit    integer check (tpm_limit > 0),
    created_at   timestamptz  not null default now(),
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz
);
create index api_keys_org on api_keys (org_id);

-- Versioned prices, euros per million tokens. A request pays the prices valid when it was admitted.
create table price_book (
    id                  bigserial primary key,
    model               varchar(64)    not null,
    input_eur_per_mtok  numeric(20, 9) not null check (input_eur_per_mtok >= 0),
    output_eur_per_mtok numeric(20, 9) not null check (output_eur_per_mtok >= 0),
    valid_from          timestamptz    not null,
    created_at          timestamptz    not null default now(),
    unique (model, valid_from)
);

-- La Plateforme's launch prices (December 2023), excluding VAT. Embeddings have no output tokens.
insert into price_book (model, input_eur_per_mtok, output_eur_per_mtok, valid_from) values
    ('mistral-tiny',   0.14, 0.42, '2023-12-11T00:00:00Z'),
    ('mistral-small',  0.60, 1.80, '2023-12-11T00:00:00Z'),
    ('mistral-medium', 2.50, 7.50, '2023-12-11T00:00:00Z'),
    ('mistral-embed',  0.10, 0.00, '2023-12-11T00:00:00Z');

-- One row per request, keyed by request id: a redelivered usage event is a no-op. Append-only.
create table usage_ledger (
    request_id          varchar(64)    primary key,
    org_id              uuid           not null references organizations (id),
    key_id              uuid           references api_keys (id),
    model               varchar(64)    not null,
    prompt_tokens       integer        not null check (prompt_tokens >= 0),
    completion_tokens   integer        not null check (completion_tokens >= 0),
    input_eur_per_mtok  numeric(20, 9) not null,
    output_eur_per_mtok numeric(20, 9) not null,
    cost_eur            numeric(30, 15) not null check (cost_eur >= 0), -- exact: tokens x price / 1e6, never rounded
    status              varchar(16)    not null check (status in ('completed', 'aborted', 'failed')),
    admitted_at         timestamptz    not null,
    finished_at         timestamptz    not null,
    recorded_at         timestamptz    not null default now()
);
create index usage_ledger_org_time on usage_ledger (org_id, admitted_at);
