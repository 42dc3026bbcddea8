// The browser half of scripts/bench.d/layers.sh: the built app in headless Chromium lists one
// layer of a dropped archive in its explorer worker (the Files view on Upload: the core's tar
// reader over Blob.slice reads, local file against local file like the native runs), and reports
// the time from the click on "Show files" to "N paths listed." (both on the page's own clock),
// the count, the tab's peak memory over the page and its workers (tab-memory.mjs), and the CPU
// seconds the page's own thread was busy meanwhile (DevTools' TaskDuration): on 2 cores, the
// page's redraws compete with the worker and its hashing helper.
//
// usage: node layers-browser.mjs ORIGIN ARCHIVE
// Prints one JSON object on stdout.
import { pickFile } from '../../tests/e2e/lib/upload.mjs';
import { benchPage } from './bench-page.mjs';
import { watchTab } from './tab-memory.mjs';

const [origin, archive] = process.argv.slice(2);
const { browser, page, errors } = await benchPage(`${origin}/#/upload`);
await pickFile(page, archive);
const files = page.getByTestId('files');
await files.waitFor({ timeout: 600_000 });
await files.getByTestId('files-view').selectOption('1');
const tab = await watchTab(browser);
const devtools = await page.context().newCDPSession(page);
await devtools.send('Performance.enable');
const busy = async () => (await devtools.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
const busyBefore = await busy();
await page.evaluate(() => {
  const marks = (window.__benchMarks = {});
  document.addEventListener('click', (e) => {
    if (!marks.click && e.target.closest('[data-testid=files-list]')) marks.click = performance.now();
  }, true);
  const status = document.querySelector('[data-testid=files-status]');
  new MutationObserver(() => {
    if (marks.click && !marks.end && /^(done|failed|cancelled)$/.test(status.dataset.state)) marks.end = performance.now();
  }).observe(status, { attributes: true });
});
await files.getByTestId('files-list').click();
await files.locator('[data-testid=files-status]:not([data-state=running])').waitFor({ timeout: 1_800_000 });
const pageBusy = (await busy()) - busyBefore;
const marks = await page.evaluate(() => window.__benchMarks);
const status = files.getByTestId('files-status');
const state = await status.getAttribute('data-state');
const text = await status.innerText();
const { peak, workers } = await tab.stop();
const entries = Number(/^(\d+) paths listed\./.exec(text)?.[1] ?? NaN);
console.log(JSON.stringify({ ok: state === 'done', text, entries, seconds: (marks.end - marks.click) / 1000, page_busy: pageBusy, peak, workers, errors }));
await browser.close();
