-- Batch inference (issue 16), part 2: jobs, their lines, and batch prices on the money side.

create table batch_jobs (
    id                 varchar(40)  primary key,               -- batch_<32 hex>
    org_id             uuid         not null references organizations (id),
    key_id             uuid         not null references api_keys (id),
    shape              varchar(8)   not null check (shape in ('mistral', 'openai')),
    endpoint           varchar(40)  not null,
    model              varchar(64),
    input_file_ids     varchar(40)[] not null,
    metadata           jsonb,
    state              varchar(24)  not null check (state in ('queued', 'running', 'succeeded', 'failed',
                                        'timeout_exceeded', 'cancellation_requested', 'cancelled')),
    pause_reason       varchar(500),                           -- why the job waits (the org's spending cap)
    paused_until       timestamptz,
    errors             jsonb        not null default '[]',
    total_requests     integer      not null default 0,
    succeeded_requests integer      not null default 0,
    failed_requests    integer      not null default 0,
    enqueued_tokens    bigint       not null default 0,        -- estimate of the lines not yet answered
    output_file_id     varchar(40),
    error_file_id      varchar(40),
    created_at         timestamptz  not null default now(),
    started_at         timestamptz,
    completed_at       timestamptz,
    cancelled_at       timestamptz,
    expires_at         timestamptz  not null
);
create index batch_jobs_org on batch_jobs (org_id, created_at);
create index batch_jobs_open on batch_jobs (created_at) where state in ('queued', 'running', 'cancellation_requested');

-- One row per input line. request_id is deterministic (batch_<job>_<line>): the line's ledger row and budget
-- reservation use it, so a line run again after a crash is billed once.
create table batch_lines (
    job_id        varchar(40)  not null references batch_jobs (id),
    line_no       integer      not null,                       -- 1-based, across the job's input files
    custom_id     varchar(512) not null,
    body          text         not null,
    est_tokens    integer      not null,                       -- prompt + most new tokens, from validation
    request_id    varchar(64)  not null unique,
    status_code   integer,                                     -- null until answered
    response      text,
    answered_at   timestamptz,
    claimed_until timestamptz,                                 -- a node runs it until then (renewed while it runs)
    primary key (job_id, line_no),
    unique (job_id, custom_id)
);
create index batch_lines_pending on batch_lines (job_id, line_no) where status_code is null;

-- Admin switch: pause all batch work (one row).
create table batch_settings (
    id      integer primary key check (id = 1),
    paused  boolean not null default false,
    updated_at timestamptz not null default now()
);
insert into batch_settings (id, paused) values (1, false);

-- Batch prices per model and validity, beside the live ones. Null means the launch default: 50 % of the live
-- price of the same row (PriceBook reads coalesce(batch_…, live / 2)).
alter table price_book
    add column batch_input_eur_per_mtok numeric(20, 9) check (batch_input_eur_per_mtok >= 0),
    add column batch_output_eur_per_mtok numeric(20, 9) check (batch_output_eur_per_mtok >= 0),
    add column batch_cached_input_eur_per_mtok numeric(20, 9) check (batch_cached_input_eur_per_mtok >= 0);

-- The ledger and the rollups mark batch usage, so invoices show it on lines of its own ("<model> (batch)").
alter table usage_ledger add column batch boolean not null default false;
alter table usage_hourly add column batch boolean not null default false,
    drop constraint usage_hourly_pkey,
    add primary key (hour, org_id, key_id, model, input_eur_per_mtok, output_eur_per_mtok, cached_input_eur_per_mtok,
        batch);
