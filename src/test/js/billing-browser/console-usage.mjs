// Logs in as a customer through Keycloak and checks that /console/usage shows a drawn usage chart and the month's
// cost, and that /console/invoices lists their invoice. Env: BASE_URL, CUSTOMER_USER, CUSTOMER_PASSWORD,
// EXPECT_COST, EXPECT_INVOICE. Prints one JSON line; exits non-zero on failure.
import { chromium } from 'playwright-core';

const base = process.env.BASE_URL;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const failures = [];
const result = {};
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(30000);
  const jsErrors = [];
  page.on('pageerror', e => jsErrors.push(String(e)));
  await page.goto(base + '/console/usage');
  await page.waitForSelector('#username');
  await page.fill('#username', process.env.CUSTOMER_USER);
  await page.fill('#password', process.env.CUSTOMER_PASSWORD);
  await Promise.all([page.waitForURL(u => new URL(u).pathname === '/console/usage'), page.click('#kc-login')]);

  await page.waitForSelector('#usage-chart[data-rendered]', { timeout: 15000 });
  result.chart = await page.$eval('#usage-chart', c => ({
    datasets: Number(c.dataset.rendered),
    painted: (() => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++; return n; })(),
  }));
  if (!(result.chart.datasets > 0 && result.chart.painted > 1000)) failures.push('usage chart is not drawn');
  result.monthCost = await page.$eval('#month-cost', e => e.textContent.trim());
  if (process.env.EXPECT_COST && result.monthCost !== '€ ' + process.env.EXPECT_COST) {
    failures.push('month cost ' + result.monthCost + ' != € ' + process.env.EXPECT_COST);
  }

  await page.goto(base + '/console/invoices');
  result.invoices = await page.$$eval('#invoice-list tbody tr td:first-child a', as => as.map(a => a.textContent.trim()));
  if (!result.invoices.includes(process.env.EXPECT_INVOICE)) failures.push('invoice ' + process.env.EXPECT_INVOICE + ' not listed');
  if (jsErrors.length) failures.push('page errors: ' + jsErrors.join('; '));
} catch (e) {
  failures.push(String(e && e.stack || e));
} finally {
  await browser.close();
}
result.failures = failures;
console.log(JSON.stringify(result));
process.exit(failures.length ? 1 : 0);
