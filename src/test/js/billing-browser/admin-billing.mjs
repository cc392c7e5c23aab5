// Logs in as the realm admin through Keycloak (authorization code flow) and checks that the billing dashboard
// shows a drawn revenue chart and the invoice list. Env: BASE_URL, ADMIN_USER, ADMIN_PASSWORD, EXPECT_INVOICE.
// Prints one JSON line; exits non-zero on failure.
import { chromium } from 'playwright-core';

const base = process.env.BASE_URL;
const expectInvoice = process.env.EXPECT_INVOICE;
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
  await page.goto(base + '/admin/billing');
  // Keycloak's login form
  await page.waitForSelector('#username');
  result.loginPage = new URL(page.url()).host;
  await page.fill('#username', process.env.ADMIN_USER || 'admin');
  await page.fill('#password', process.env.ADMIN_PASSWORD || 'admin');
  await Promise.all([page.waitForURL(u => new URL(u).pathname === '/admin/billing'), page.click('#kc-login')]);
  await page.waitForSelector('h1');
  result.title = await page.title();

  // the revenue chart: Chart.js drew it (billing-charts.js marks data-rendered with the dataset count)
  await page.waitForSelector('#revenue-chart[data-rendered]', { timeout: 15000 });
  const chart = await page.$eval('#revenue-chart', c => ({
    datasets: Number(c.dataset.rendered), width: c.width, height: c.height,
    painted: (() => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++; return n; })(),
  }));
  result.chart = chart;
  if (!(chart.datasets > 0)) failures.push('revenue chart has no dataset');
  if (!(chart.width > 0 && chart.height > 0 && chart.painted > 1000)) failures.push('revenue chart is not painted');
  result.chartLibrary = await page.evaluate(() => typeof window.Chart === 'function' ? window.Chart.version : null);
  if (!result.chartLibrary) failures.push('Chart.js did not load');

  // the invoice list
  const invoices = await page.$$eval('#invoice-list tbody tr td:first-child a', as => as.map(a => a.textContent.trim()));
  result.invoices = invoices;
  if (invoices.length === 0) failures.push('invoice list is empty');
  if (expectInvoice && !invoices.includes(expectInvoice)) failures.push('invoice ' + expectInvoice + ' not listed');

  // opening one invoice shows its lines and total
  if (invoices.length > 0) {
    await Promise.all([page.waitForURL(/\/admin\/billing\/invoices\//), page.click('#invoice-list tbody tr td:first-child a')]);
    result.invoiceTotal = await page.$eval('#invoice-total', e => e.textContent.trim());
    result.invoiceLines = await page.$$eval('#invoice-lines tbody tr', rows => rows.length);
  }
  if (jsErrors.length) failures.push('page errors: ' + jsErrors.join('; '));
} catch (e) {
  failures.push(String(e && e.stack || e));
} finally {
  await browser.close();
}
result.failures = failures;
console.log(JSON.stringify(result));
process.exit(failures.length ? 1 : 0);
