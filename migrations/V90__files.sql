-- Batch inference (issue 16), part 1: files. The metadata lives here; the bytes live in the configured
-- FileStore (sirocco.files.store). The PostgreSQL store keeps them in file_chunks, 1 MiB per row.
create table files (
    id          varchar(40)  primary key,                       -- file-<32 hex>
    org_id      uuid         not null references organizations (id),
    filename    varchar(255) not null,
    purpose     varchar(16)  not null check (purpose in ('batch')),
    sample_type varchar(16)  not null check (sample_type in ('batch_request', 'batch_result', 'batch_error')),
    bytes       bigint       not null check (bytes >= 0),
    num_lines   integer,
    created_at  timestamptz  not null default now(),
    deleted_at  timestamptz
);
create index files_org on files (org_id, created_at) where deleted_at is null;

create table file_chunks (
    file_id varchar(40) not null,                                  -- the store knows no metadata: no foreign key
    seq     integer     not null check (seq >= 0),
    data    bytea       not null,
    primary key (file_id, seq)
);
