// Every page in headless Chromium (Debian's, through playwright-core), started by io.sirocco.site.PagesBrowserTest
// against one running test server:
//  - each role's pages (the links its navigation shows, plus /waitlist and a mailed status page) at 1280 and 390 px:
//    it opens, nothing makes the page scroll sideways, the first Tab stop shows a focus outline, and axe-core finds
//    no serious or critical violation; a failing page leaves a full-page screenshot in SCREENSHOT_DIR;
//  - each role's navigation shows its links and none of another role's area, each opens, and the other roles'
//    pages answer 403/404 (signed in) or send to the sign-in (anonymous);
//  - the landing page's prices equal the price book before and after a scheduled change (PRICES_BEFORE/AFTER,
//    CHANGE_AT);
//  - the waitlist form shows inline messages, and only the mailed status page the queue position;
//  - a playground turn streams in (several updates of the answer) and shows its stats and cost;
//  - every /docs guide is audited, and on every audited page each same-site link opens for its viewer and each
//    anchor exists (no page shows a link its viewer cannot open);
//  - a batch job made through /console/batch from a file picked in the browser finishes and its output downloads;
//  - the developer, also a billing member of a second org, gets the org switcher (audited at both widths).
// Env: BASE_URL, KEYCLOAK_URL, CUSTOMER_USER/CUSTOMER_PASSWORD (an org owner), DEVELOPER_USER and BILLING_USER
// (teammates in that org, same password), SCREENSHOT_DIR, PRICES_BEFORE, PRICES_AFTER (JSON
// {model: [input, cached, output]}), CHANGE_AT (epoch ms), CHROMIUM. Prints one JSON line: {failures, checks,
// playground}; exits 1 when a check failed.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = (process.env.BASE_URL || 'http://localhost:8080').replace(/\/+$/, '');
const KEYCLOAK = (process.env.KEYCLOAK_URL || 'http://localhost:8180').replace(/\/+$/, '');
const SHOTS = process.env.SCREENSHOT_DIR || 'target/pages-browser';
const WIDTHS = [1280, 390];

// Each role's area: its pages are the links its navigation shows (so a page added to the nav is audited here
// too), and no other role's area may appear in it. NavigationTest pins the exact lists.
// customer is an org's owner; developer and billing are teammates with those roles (OrgRole).
const AREAS = { anonymous: null, customer: '/console/', developer: '/console/', billing: '/console/', admin: '/admin/' };
const MUST_SHOW = {
  anonymous: ['/', '/docs', '/signin'],
  customer: ['/console/playground', '/console/batch', '/console/keys', '/console/usage', '/console/invoices'],
  developer: ['/console/playground', '/console/batch', '/console/keys', '/console/usage'],
  billing: ['/console/usage', '/console/invoices'],
  admin: ['/admin/waitlist', '/admin/orgs', '/admin/billing', '/admin/batch'],
};
const MUST_NOT_SHOW = {
  developer: ['/console/invoices', '/console/team'],
  billing: ['/console/playground', '/console/batch', '/console/keys', '/console/team'],
};
const NOT_PAGES = ['/signin', '/logout'];

const failures = [];
let checks = 0;
const result = { failures, checks: 0, playground: null };
mkdirSync(SHOTS, { recursive: true });

function check(name, ok, detail) {
  checks++;
  if (!ok) {
    failures.push(detail === undefined ? name : `${name}: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
  }
  return ok;
}

async function screenshot(page, name) {
  const file = `${SHOTS}/${name.replace(/[^A-Za-z0-9_-]+/g, '_')}.png`;
  try {
    await page.screenshot({ path: file, fullPage: true });
    console.error(`[pages] screenshot ${file}`);
  } catch (e) {
    console.error(`[pages] no screenshot for ${name}: ${e.message}`);
  }
}

async function signIn(context, user, password) {
  const page = await context.newPage();
  await page.goto(`${BASE}/signin`);
  await page.waitForURL(u => u.toString().startsWith(KEYCLOAK), { timeout: 30000 });
  await page.fill('#username', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(u => u.toString().startsWith(BASE), { timeout: 30000 }), page.click('#kc-login')]);
  return page;
}

// One page at one width: opens, fits, shows focus, passes axe.
async function audit(page, role, path, width, navigate = true) {
  const name = `${role} ${path} @${width}`;
  const before = failures.length;
  await page.setViewportSize({ width, height: 900 });
  if (navigate) {
    const response = await page.goto(BASE + path, { waitUntil: 'load' });
    check(`${name} opens`, response && response.status() === 200, response && response.status());
  }
  const overflow = await page.evaluate(() => {
    const over = document.documentElement.scrollWidth - window.innerWidth;
    if (over <= 1) return { over };
    let widest = null;
    for (const el of document.querySelectorAll('body *')) {
      const right = el.getBoundingClientRect().right;
      if (!widest || right > widest.right) widest = { right, what: el.tagName + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : '') };
    }
    return { over, widest };
  });
  check(`${name} has no page-wide horizontal scroll`, overflow.over <= 1, overflow);
  await page.keyboard.press('Tab');
  const focus = await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const s = getComputedStyle(el);
    return { tag: el.tagName, outline: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  });
  check(`${name} shows where the focus is`, focus && focus.outline !== 'none' && focus.width >= 2, focus);
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
      .map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }));
  });
  check(`${name} has no serious or critical axe violation`, violations.length === 0, violations);
  if (width === WIDTHS[0]) await linksOpen(page, role, path);
  if (failures.length > before) await screenshot(page, `${role}${path}-${width}`);
}

// Every same-site link on the page opens for this viewer (200; /signin and /logout excepted), and one with an
// anchor lands on an element with that id: no page shows a link its viewer cannot open. Each link once per role.
const linksSeen = {};
async function linksOpen(page, role, path) {
  const seen = linksSeen[role] || (linksSeen[role] = new Set());
  const hrefs = await page.$$eval('a[href]', as => as.map(a => a.getAttribute('href')));
  for (const href of new Set(hrefs)) {
    if (!href.startsWith('/') && !href.startsWith('#') && !href.startsWith(BASE)) continue;
    const [target, anchor] = href.replace(BASE, '').split('#');
    if (target === '' || target === path.split(' ')[0]) {
      if (anchor) check(`${role} ${path}: #${anchor} is on the page`, await page.$(`[id="${anchor}"]`) !== null, href);
      continue;
    }
    if (NOT_PAGES.includes(target) || seen.has(href)) continue;
    seen.add(href);
    const r = await page.request.get(BASE + target);
    if (!check(`${role} ${path}: the link ${href} opens`, r.status() === 200, r.status())) continue;
    if (anchor) {
      const body = await r.text();
      check(`${role} ${path}: the link ${href} lands on its anchor`, body.includes(`id="${anchor}"`), href);
    }
  }
}

async function navLinks(page) {
  return page.$$eval('nav[aria-label=Main] a', as => as.map(a => a.getAttribute('href')));
}

// The role's nav: shows what it must, nothing of another role's area, and each link opens. Returns its pages.
async function navigation(page, role, home) {
  await page.goto(BASE + home);
  const links = await navLinks(page);
  for (const must of MUST_SHOW[role]) check(`${role} sees ${must}`, links.includes(must), links);
  for (const area of new Set(Object.values(AREAS))) {
    if (area && area !== AREAS[role]) check(`${role} sees no ${area} link`, !links.some(l => l.startsWith(area)), links);
  }
  for (const hidden of MUST_NOT_SHOW[role] || []) check(`${role} does not see ${hidden}`, !links.includes(hidden), links);
  for (const link of links.filter(l => !NOT_PAGES.includes(l))) {
    const r = await page.request.get(BASE + link);
    check(`${role}: ${link} opens`, r.status() === 200, r.status());
  }
  return links.filter(l => !NOT_PAGES.includes(l) && !l.startsWith('/q/'));
}

// Signed-in roles get 403/404 on another role's pages; anonymous visitors are sent to sign in.
async function refused(page, role, paths) {
  for (const path of paths) {
    const r = await page.request.get(BASE + path, { maxRedirects: 0 });
    if (role === 'anonymous') {
      const to = r.headers()['location'] || '';
      check(`anonymous is sent to sign in from ${path}`, r.status() === 302 && to.startsWith(KEYCLOAK), `${r.status()} ${to}`);
    } else {
      check(`${role} is refused ${path}`, r.status() === 403 || r.status() === 404, `${path}: ${r.status()}`);
    }
  }
}

async function priceRows(page) {
  await page.goto(BASE + '/');
  return page.$$eval('#price-table tbody tr[data-model]', rows => Object.fromEntries(rows.map(r => [r.dataset.model,
    ['input', 'cached', 'output', 'batch-input', 'batch-output'].map(c => r.querySelector('td.' + c).textContent.trim().replace(/^€/, ''))])));
}

function samePrices(name, shown, expected) {
  check(name, JSON.stringify(Object.entries(shown).sort()) === JSON.stringify(Object.entries(expected).sort()),
    { shown, expected });
}

async function waitlist(page) {
  await page.goto(BASE + '/');
  await page.click('#waitlist-form button[type=submit]');
  const message = (await page.textContent('#wl-email-error')).trim();
  check('an empty signup shows the message under the email field', message === 'Email is required.', message);
  check('and moves the focus there', await page.evaluate(() => document.activeElement.id) === 'wl-email');
  check('the field is marked invalid', await page.getAttribute('#wl-email', 'aria-invalid') === 'true');
  await page.fill('#wl-email', 'not-an-email');
  await page.click('#waitlist-form button[type=submit]');
  check('a bad email shows why', (await page.textContent('#wl-email-error')).includes('does not look like an email'));
  const email = `pages-${Date.now()}-${Math.floor(Math.random() * 1e6)}@test.sirocco.local`;
  await page.fill('#wl-email', email);
  await page.fill('#wl-name', 'Pages Tester');
  await Promise.all([page.waitForSelector('#signup-received'), page.click('#waitlist-form button[type=submit]')]);
  check('the signup page does not show a position (it would tell whether the address was new)',
    !(await page.content()).includes('position-number'));
  const status = await (await page.request.get(`${BASE}/_test/mailbox/status?to=${encodeURIComponent(email)}`)).json();
  await page.goto(BASE + status.path);
  const position = Number(await page.textContent('#position-number'));
  check('the mailed status page shows the queue position', position >= 1, position);
  return status.path;
}

async function playground(page) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(BASE + '/console/playground');
  await page.waitForSelector('form#playground[data-ready]');
  await page.selectOption('#pg-model', 'mistral-tiny');
  await page.fill('#pg-max-tokens', '24');
  await page.fill('#pg-seed', '42');
  await page.fill('#pg-system', 'You are terse.');
  await page.fill('#pg-message', 'Tell me about the sirocco wind.');
  const curl = await page.textContent('#pg-curl');
  check('curl shows the visitor\'s base URL', curl.includes(`curl -N ${BASE}/v1/chat/completions`), curl);
  check('curl carries the form\'s settings', curl.includes('"random_seed": 42') && curl.includes('"max_tokens": 24'), curl);
  check('no key on the page', !(await page.content()).match(/sk-[A-Za-z0-9]{20,}/));
  // Count the answer's updates while it streams in.
  await page.evaluate(() => {
    window.__updates = 0;
    new MutationObserver(() => {
      const reply = document.querySelector('#pg-transcript .turn-assistant .content');
      if (reply && reply.textContent.length) window.__updates++;
    }).observe(document.getElementById('pg-transcript'), { subtree: true, childList: true, characterData: true });
  });
  await page.click('#pg-send');
  await page.waitForSelector('#pg-transcript .turn-assistant .stat-cost', { timeout: 120000 });
  const turn = await page.evaluate(() => {
    const t = id => document.querySelector('#pg-transcript .turn-assistant .stat-' + id).textContent;
    return { cost: t('cost').replace(/^€/, ''), requestId: t('request'), tokens: t('tokens'), ttft: t('ttft'),
      speed: t('speed'), answer: document.querySelector('#pg-transcript .turn-assistant .content').textContent,
      updates: window.__updates, error: document.getElementById('pg-error').textContent };
  });
  check('the turn has no error', turn.error === '', turn.error);
  check('the answer streamed in (several updates)', turn.updates >= 2, turn);
  check('the turn shows tokens, time to first token and tokens/s',
    /^\d+ \/ \d+$/.test(turn.tokens) && /^\d+ ms$/.test(turn.ttft) && /^\d+(\.\d)?$/.test(turn.speed), turn);
  check('the turn shows its exact cost', /^\d+\.\d+$/.test(turn.cost), turn.cost);
  await audit(page, 'customer', '/console/playground (after a turn)', 390, false);
  return turn;
}

// A batch job made through the console's form from a file picked in the browser: it is listed, finishes, and its
// output downloads with one result per line.
async function batch(page) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(BASE + '/console/batch');
  const jsonl = [0, 1].map(i => JSON.stringify({ custom_id: `pages-${i}`,
    body: { max_tokens: 2, temperature: 0, messages: [{ role: 'user', content: `Line ${i}` }] } })).join('\n') + '\n';
  await page.setInputFiles('#batch-file', { name: 'pages.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(jsonl) });
  await page.selectOption('#batch-model', 'mistral-tiny');
  await page.click('#create-batch button[type=submit]');
  await page.waitForSelector('#notice, #form-error', { timeout: 60000 }); // the answer page: created, or why not
  const text = async sel => { const el = await page.$(sel); return el ? (await el.textContent()).trim() : ''; };
  const notice = await text('#notice');
  const made = notice.match(/Job (batch_[0-9a-f]+) created: 2 requests queued/);
  if (!check('the console creates a batch job from an uploaded file', made !== null,
    notice || await text('#form-error'))) return;
  const row = `tr[data-job-id="${made[1]}"]`;
  const until = Date.now() + 120000;
  let status = '';
  while (Date.now() < until) {
    await page.goto(BASE + '/console/batch');
    const tr = await page.$(row);
    status = tr ? await tr.getAttribute('data-status') : 'not listed';
    if (status === 'succeeded') break;
    await new Promise(r => setTimeout(r, 1000));
  }
  check('the batch job finishes', status === 'succeeded', status);
  const link = await page.$(`${row} a.output`);
  const output = link ? await link.getAttribute('href') : null;
  if (check('the finished job links its output', output !== null)) {
    const r = await page.request.get(BASE + output);
    const lines = (await r.text()).split('\n').filter(l => l.trim());
    check('the output downloads with one result per line', r.status() === 200 && lines.length === 2, lines);
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const anonymous = await (await browser.newContext()).newPage();
  samePrices('the landing prices are the price book now', await priceRows(anonymous), JSON.parse(process.env.PRICES_BEFORE));
  const statusPath = await waitlist(anonymous);
  await anonymous.goto(BASE + '/docs');
  const guides = await anonymous.$$eval('nav.toc a[href^="/docs"]', as => as.map(a => a.getAttribute('href')));
  check('/docs lists the guides', guides.length >= 3, guides);
  const publicPages = [...new Set([...await navigation(anonymous, 'anonymous', '/'), ...guides, '/waitlist', statusPath])];
  for (const width of WIDTHS) {
    for (const path of publicPages) await audit(anonymous, 'anonymous', path, width);
  }

  const customer = await signIn(await browser.newContext(), process.env.CUSTOMER_USER, process.env.CUSTOMER_PASSWORD);
  result.playground = await playground(customer);
  await batch(customer);
  const consolePages = await navigation(customer, 'customer', '/console/playground');
  for (const width of WIDTHS) {
    for (const path of consolePages) await audit(customer, 'customer', path, width);
  }

  const admin = await signIn(await browser.newContext(), 'admin', 'admin');
  const adminPages = await navigation(admin, 'admin', '/admin/waitlist');
  for (const width of WIDTHS) {
    for (const path of adminPages) await audit(admin, 'admin', path, width);
  }
  for (const role of ['developer', 'billing']) {
    const user = process.env[role.toUpperCase() + '_USER'];
    if (!user) continue;
    const mate = await signIn(await browser.newContext(), user, process.env.CUSTOMER_PASSWORD);
    const own = await navigation(mate, role, MUST_SHOW[role][0]);
    if (role === 'developer') { // a member of two orgs: the navigation's switcher, audited too
      check('a member of two orgs gets the switcher', await mate.$('#org-switch') !== null);
      for (const width of WIDTHS) await audit(mate, role, own[0], width);
    }
    await refused(mate, role, [...consolePages.filter(p => !own.includes(p)), ...adminPages]);
  }
  await refused(customer, 'customer', adminPages);
  await refused(admin, 'admin', consolePages);
  await refused(anonymous, 'anonymous', [...consolePages, ...adminPages]);

  const changeAt = Number(process.env.CHANGE_AT);
  if (Date.now() < changeAt + 500) await new Promise(r => setTimeout(r, changeAt + 500 - Date.now()));
  samePrices('the landing prices are the price book after the scheduled change', await priceRows(anonymous),
    JSON.parse(process.env.PRICES_AFTER));
} catch (e) {
  failures.push(`aborted: ${e.stack || e}`);
  for (const context of browser.contexts()) {
    for (const page of context.pages()) await screenshot(page, `aborted-${new URL(page.url()).pathname}`);
  }
} finally {
  await browser.close();
}
result.checks = checks;
console.log(JSON.stringify(result));
process.exit(failures.length ? 1 : 0);
