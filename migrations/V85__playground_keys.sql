-- Issue 15: the console playground calls the API through one key per member and org, made on first use. Its secret
-- is drawn, hashed and thrown away: it is never shown, stored in clear or sent to the browser. The session is what
-- authenticates a playground call; the key row is what bills, rate-limits and budget-caps it like any other key.
alter table api_keys add column playground_for varchar(200);
create unique index api_keys_playground on api_keys (org_id, playground_for)
    where playground_for is not null and revoked_at is null;
