// Logs in as a customer through Keycloak and checks that /console/usage shows a drawn usage chart and the month's
// cost, and that /console/invoices lists their invoice. Env: BASE_URL, CUSTOMER_USER, CUSTOMER_PASSWORD,
// EXPECT_COST, EXPECT_INVOICE. Prints one JSON line; exits non-zero on failure.
import { launchChromium, signIn, drawnChart } from './browser.mjs';

const base = process.env.BASE_URL;
const browser = await launchChromium();
const failures = [];
const result = {};
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(30000);
  const jsErrors = [];
  page.on('pageerror', e => jsErrors.push(String(e)));
  await signIn(page, base + '/console/usage', process.env.CUSTOMER_USER, process.env.CUSTOMER_PASSWORD);

  result.chart = await drawnChart(page, '#usage-chart');
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
