-- Accounts (issue 4): waitlist, invitations, org members, plans, key lifecycle and the audit log.

-- People waiting for access. seq gives the FIFO order; status_token_hash is the SHA-256 of the
-- status-page token (the token itself is only ever shown/mailed to the person).
create table waitlist_entries (
    id                uuid primary key,
    seq               bigserial     not null unique,
    email             varchar(254)  not null unique,         -- lower-cased
    name              varchar(200)  not null,
    company           varchar(200),
    intended_use      varchar(2000),
    status            varchar(16)   not null default 'waiting'
                      check (status in ('waiting', 'invited', 'accepted', 'revoked')),
    status_token_hash char(64)      not null unique,
    signup_ip         varchar(64),
    created_at        timestamptz   not null default now(),
    updated_at        timestamptz   not null default now()
);
create index waitlist_entries_waiting on waitlist_entries (status, seq);

-- Single-use, expiring invitation links. Only the SHA-256 of the token is stored.
create table invitations (
    id           uuid primary key,
    entry_id     uuid          not null references waitlist_entries (id),
    email        varchar(254)  not null,
    token_hash   char(64)      not null unique,
    invited_by   varchar(200)  not null,
    created_at   timestamptz   not null default now(),
    expires_at   timestamptz   not null,
    accepted_at  timestamptz,
    revoked_at   timestamptz,
    user_id      varchar(64),                                -- Keycloak user id, set on acceptance
    org_id       uuid references organizations (id)
);
create index invitations_entry on invitations (entry_id);

-- Members of an organization: Keycloak users (by their subject id).
create table org_members (
    org_id     uuid          not null references organizations (id),
    user_id    varchar(64)   not null,
    email      varchar(254)  not null,
    role       varchar(16)   not null check (role in ('owner', 'member')),
    created_at timestamptz   not null default now(),
    primary key (org_id, user_id)
);
create index org_members_user on org_members (user_id);

-- Plan presets an admin can give an org: tier access (null: every model), rpm and tpm.
create table plans (
    name           varchar(40) primary key,
    rpm_limit      integer not null check (rpm_limit > 0),
    tpm_limit      integer not null check (tpm_limit > 0),
    allowed_models text[]
);
insert into plans (name, rpm_limit, tpm_limit, allowed_models) values
    ('trial',   20,   40000,   array['mistral-tiny', 'mistral-embed']),
    ('default', 120,  200000,  null),
    ('scale',   1200, 2000000, null);

-- Key lifecycle: who made a key, and the key that replaced it on rotation (the old one then expires
-- at the end of the grace period).
alter table api_keys add column created_by varchar(200);
alter table api_keys add column rotated_to uuid references api_keys (id);

-- Everything that changes who may use the platform. event_id makes redelivered events no-ops.
create table audit_log (
    id         bigserial primary key,
    event_id   uuid          not null unique,
    at         timestamptz   not null,
    type       varchar(40)   not null,
    actor      varchar(254)  not null,
    subject    varchar(254),
    org_id     uuid,
    detail     varchar(2000)
);
create index audit_log_at on audit_log (at);
