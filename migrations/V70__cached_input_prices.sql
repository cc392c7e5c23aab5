-- Prefix caching (issue 13): prompt tokens served from an engine's prefix cache are billed at a cheaper
-- cached-input price. Launch default: 10 % of the input price, as Mistral bills cached tokens.

alter table price_book add column cached_input_eur_per_mtok numeric(20, 9);
update price_book set cached_input_eur_per_mtok = input_eur_per_mtok / 10;
alter table price_book alter column cached_input_eur_per_mtok set not null,
    add check (cached_input_eur_per_mtok >= 0);

-- cached_tokens are part of prompt_tokens; cost_eur prices them at cached_input_eur_per_mtok.
alter table usage_ledger add column cached_tokens integer not null default 0,
    add column cached_input_eur_per_mtok numeric(20, 9);
update usage_ledger set cached_input_eur_per_mtok = input_eur_per_mtok / 10;
alter table usage_ledger alter column cached_input_eur_per_mtok set not null,
    add check (cached_tokens >= 0 and cached_tokens <= prompt_tokens);

-- Rollups: prompt_tokens still counts every prompt token and input_cost_eur every prompt token's cost (cached
-- ones at the cached price), so totals read as before; cached_tokens / cached_cost_eur are the cached share.
alter table usage_hourly add column cached_input_eur_per_mtok numeric(20, 9),
    add column cached_tokens bigint not null default 0,
    add column cached_cost_eur numeric(30, 15) not null default 0;
update usage_hourly set cached_input_eur_per_mtok = input_eur_per_mtok / 10;
alter table usage_hourly alter column cached_input_eur_per_mtok set not null,
    drop constraint usage_hourly_pkey,
    add primary key (hour, org_id, key_id, model, input_eur_per_mtok, output_eur_per_mtok, cached_input_eur_per_mtok);

-- Invoices get a third direction: cached input tokens at the cached-input price.
alter table invoice_lines drop constraint invoice_lines_direction_check,
    add constraint invoice_lines_direction_check check (direction in ('input', 'cached', 'output'));
