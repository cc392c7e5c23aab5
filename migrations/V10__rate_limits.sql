-- Gateway rate limits: per-key request and token counters in fixed one-minute windows.
-- Kept in PostgreSQL so every gateway replica counts against the same numbers.
create table rate_limit_windows (
    key_id       uuid        not null references api_keys (id) on delete cascade,
    window_start timestamptz not null,                -- date_trunc('minute', now()) of the database
    requests     integer     not null default 0,
    tokens       bigint      not null default 0,
    primary key (key_id, window_start)
);
create index rate_limit_windows_start on rate_limit_windows (window_start);
