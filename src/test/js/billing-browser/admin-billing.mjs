// Logs in as the realm admin through Keycloak (authorization code flow) and checks that the billing dashboard
// shows a drawn revenue chart and the invoice list. Env: BASE_URL, ADMIN_USER, ADMIN_PASSWORD, EXPECT_INVOICE.
// Prints one JSON line; exits non-zero on failure.
import { launchChromium, signIn, drawnChart } from './browser.mjs';

const base = process.env.BASE_URL;
const expectInvoice = process.env.EXPECT_INVOICE;
const browser = await launchChromium();
const failures = [];
const result = {};
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(30000);
  const jsErrors = [];
  page.on('pageerror', e => jsErrors.push(String(e)));
  result.loginPage = await signIn(page, base + '/admin/billing', process.env.ADMIN_USER || 'admin',
    process.env.ADMIN_PASSWORD || 'admin');
  await page.waitForSelector('h1');
  result.title = await page.title();

  // the revenue chart, drawn by Chart.js
  const chart = await drawnChart(page, '#revenue-chart');
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
