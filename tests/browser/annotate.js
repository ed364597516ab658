// Signs in to the Argilla UI as an annotator, opens a dataset, rejects the first pending record
// with one issue tag, submits it, and saves a screenshot. Prints {"request": ...} (the record's text).
//   node tests/browser/annotate.js URL USERNAME PASSWORD DATASET TAG SCREENSHOT
const { chromium } = require('playwright-core');

(async () => {
  const [url, username, password, dataset, tag, screenshot] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  try {
    page.setDefaultTimeout(60000);
    await page.goto(url + '/sign-in');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(dataset, { exact: true }).first().click();   // the home page lists the datasets
    await page.waitForURL(/annotation-mode/);
    const request = page.locator('[id^="fields-content-"]').first();   // the record's first field: the request
    const text = (await request.innerText()).trim();
    await page.getByText('reject', { exact: true }).click();
    await page.getByText(tag, { exact: true }).click();
    await page.getByRole('button', { name: /Submit/ }).click();
    await page.waitForFunction(   // submitted: the UI moves on to the next pending record
      (before) => (document.querySelector('[id^="fields-content-"]')?.innerText || '').trim() !== before, text);
    await page.waitForTimeout(1000);
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(JSON.stringify({ request: text }));
  } catch (error) {
    await page.screenshot({ path: screenshot.replace(/\.png$/, '-failed.png'), fullPage: true });
    throw error;
  } finally {
    await browser.close();
  }
})().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
