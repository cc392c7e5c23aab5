// Shared pieces of the billing browser checks: Debian's Chromium, a Keycloak sign-in, a drawn chart.
import { chromium } from 'playwright-core';

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Opens a protected page, fills Keycloak's login form and waits to land back on that page.
export async function signIn(page, url, user, password) {
  await page.goto(url);
  await page.waitForSelector('#username');
  const loginHost = new URL(page.url()).host;
  await page.fill('#username', user);
  await page.fill('#password', password);
  const path = new URL(url).pathname;
  await Promise.all([page.waitForURL(u => new URL(u).pathname === path), page.click('#kc-login')]);
  return loginHost;
}

// A canvas Chart.js drew (billing-charts.js marks data-rendered with the dataset count): datasets, size, painted pixels.
export async function drawnChart(page, selector) {
  await page.waitForSelector(selector + '[data-rendered]', { timeout: 15000 });
  return page.$eval(selector, c => ({
    datasets: Number(c.dataset.rendered), width: c.width, height: c.height,
    painted: (() => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++; return n; })(),
  }));
}
