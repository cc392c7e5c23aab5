// The accounts path of issue 4 in a real browser: sign up → an admin signs in through Keycloak and invites →
// the invitee accepts, signs in and creates a key → the key calls /v1/chat/completions → revoke → next call 401.
// Env: SIROCCO_BASE_URL (the app), SIROCCO_KEYCLOAK_URL, CHROMIUM (default /usr/bin/chromium).
// Prints one JSON line with what happened (never the key itself); exits non-zero when a step fails.
import { chromium } from 'playwright-core';

const BASE = (process.env.SIROCCO_BASE_URL || 'http://localhost:8080').replace(/\/+$/, '');
const KEYCLOAK = (process.env.SIROCCO_KEYCLOAK_URL || 'http://localhost:8180').replace(/\/+$/, '');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const result = { steps: [] };
const step = (name) => { result.steps.push(name); console.error(`[browser] ${name}`); };

async function keycloakLogin(page, username, password) {
  await page.waitForURL(url => url.toString().startsWith(KEYCLOAK), { timeout: 30000 });
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#kc-login');
  await page.waitForURL(url => url.toString().startsWith(BASE), { timeout: 30000 });
}

async function chat(key) {
  const r = await fetch(`${BASE}/v1/chat/completions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'mistral-tiny', max_tokens: 8, messages: [{ role: 'user', content: 'Hello' }] }),
  });
  return { status: r.status, body: (await r.text()).slice(0, 300) };
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
try {
  const email = `browser-${Date.now()}-${Math.floor(Math.random() * 1e6)}@test.sirocco.local`;
  const password = 'browser-pass-123456';
  result.email = email;

  // 1. Sign up on the public page.
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(`${BASE}/`);
  await visitor.fill('input[name=email]', email);
  await visitor.fill('input[name=name]', 'Browser <b>Tester</b>');
  await visitor.fill('input[name=company]', 'Playwright Inc');
  await visitor.click('#waitlist-form button[type=submit]');
  await visitor.waitForSelector('#signup-received');
  // the place in the queue is behind the status link, which only the mail carries
  const status = await (await fetch(`${BASE}/_test/mailbox/status?to=${encodeURIComponent(email)}`)).json();
  await visitor.goto(`${BASE}${status.path}`);
  result.position = Number(await visitor.textContent('#position-number'));
  if (!(result.position >= 1)) throw new Error('no queue position shown');
  if ((await visitor.content()).includes('<b>Tester</b>')) throw new Error('name not escaped');
  step('signed up');

  // 2. The admin signs in through Keycloak and invites that entry.
  const admin = await (await browser.newContext()).newPage();
  await admin.goto(`${BASE}/admin/waitlist?status=waiting`);
  await keycloakLogin(admin, 'admin', 'admin');
  await admin.check(`tr[data-email="${email}"] input[name=entry]`);
  await admin.click('#invite-selected button[type=submit]');
  const notice = await admin.textContent('#notice');
  if (!notice.includes('1 invitation(s) sent')) throw new Error(`invite failed: ${notice}`);
  step('admin invited');

  // 3. The invitee opens the mailed link (read from the mock mailbox), creates the account and signs in.
  const mail = await (await fetch(`${BASE}/_test/mailbox/invitation?to=${encodeURIComponent(email)}`)).json();
  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(`${BASE}${mail.path}`);
  await invitee.fill('input[name=first_name]', 'Browser');
  await invitee.fill('input[name=last_name]', 'Tester');
  await invitee.fill('input[name=password]', password);
  await invitee.fill('input[name=password_confirm]', password);
  await invitee.fill('input[name=org_name]', 'Browser Org');
  await invitee.click('#accept-form button[type=submit]');
  await keycloakLogin(invitee, email, password);
  await invitee.waitForSelector('#create-key');
  if ((await invitee.textContent('#org-name')) !== 'Browser Org') throw new Error('org not shown');
  step('invitee accepted and signed in');

  // 4. Create a key: shown once.
  await invitee.fill('#create-key input[name=name]', 'browser key');
  await invitee.click('#create-key button[type=submit]');
  const key = (await invitee.textContent('#new-key-secret')).trim();
  if (!/^sk-[0-9A-Za-z]{43}$/.test(key)) throw new Error('no key shown');
  const prefix = key.slice(0, 11);
  step('key created');
  await invitee.goto(`${BASE}/console/keys`);
  if ((await invitee.content()).includes(key)) throw new Error('key shown twice');

  // 5. The key calls the API.
  const before = await chat(key);
  result.chatStatus = before.status;
  result.chatBody = before.status === 200 ? 'ok' : before.body;
  result.modelsStatus = (await fetch(`${BASE}/v1/models`, { headers: { Authorization: `Bearer ${key}` } })).status;
  step(`chat before revoke: ${before.status}`);

  // 6. Revoke it in the console.
  await invitee.click(`tr[data-prefix="${prefix}"] form.revoke button`);
  await invitee.waitForSelector(`tr[data-prefix="${prefix}"] td.status:text("revoked")`);
  step('key revoked');

  // 7. The next call is refused.
  const after = await chat(key);
  result.afterRevokeStatus = after.status;
  result.afterRevokeBody = after.body;
  step(`chat after revoke: ${after.status}`);
  result.ok = true;
} catch (e) {
  result.ok = false;
  result.error = String(e && e.stack || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
