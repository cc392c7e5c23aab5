-- Issue 15: alert webhook secrets are encrypted at rest when sirocco.alerts.webhook.secret-key is set
-- (io.sirocco.alerts.WebhookSecretSeal): 'v1:' + base64url(nonce | AES-256-GCM ciphertext and tag), about 103
-- characters for a 49-character secret. Secrets stored in clear before are encrypted at the first start with a key.
alter table alert_webhooks alter column secret type varchar(200);
comment on column alert_webhooks.secret is
    'HMAC signing secret: v1:… sealed with sirocco.alerts.webhook.secret-key, or in clear when no key is configured';
