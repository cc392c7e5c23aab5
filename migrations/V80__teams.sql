-- Teams (issue 15): member roles, team invitations, and the member answerable for each key.

-- Roles: owner (everything), developer (keys, playground, usage), billing (usage and invoices).
-- io.sirocco.accounts.OrgRole is the one table of what each role may do. The old "member" becomes developer.
alter table org_members drop constraint org_members_role_check;
update org_members set role = 'developer' where role = 'member';
alter table org_members add constraint org_members_role_check check (role in ('owner', 'developer', 'billing'));

-- Team invitations: an owner invites an email into their org with a role. They use the same single-use token
-- flow as waitlist invitations but have no waitlist entry; org_id is set when they are sent.
alter table invitations alter column entry_id drop not null;
alter table invitations add column role varchar(16) check (role in ('owner', 'developer', 'billing'));
alter table invitations add constraint invitations_kind
    check ((entry_id is not null and role is null) or (entry_id is null and role is not null and org_id is not null));
create index invitations_org on invitations (org_id, created_at);

-- The member answerable for a key: whoever created it, or the member it was transferred to. Removing that member
-- from the org revokes the key unless it is transferred first.
alter table api_keys add column owner_user_id varchar(64);
update api_keys k set owner_user_id = m.user_id
    from org_members m where m.org_id = k.org_id and lower(m.email) = lower(k.created_by);
create index api_keys_owner on api_keys (org_id, owner_user_id);
