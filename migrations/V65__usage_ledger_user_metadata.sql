-- Issue 11: the chat API's `user` and `metadata` fields, stored on the request's ledger row as sent.
alter table usage_ledger
    add column end_user varchar(256),
    add column metadata jsonb;
