// The browser half of scripts/bench.d/browser.sh: the built app in headless Chromium verifies
// images through `waybill serve` (its real Verify: blobs streamed from the registry through the
// proxy into the hashing workers), and reports per case the wall time from the click to the last
// verdict, the workers' own per-blob times, and the page's long tasks (PerformanceObserver).
//
// usage: node browser.mjs ORIGIN REGISTRY_HOST CASE…   where CASE is name=repo:tag[+diffids]
// Prints one JSON object per case on stdout.
import { launch } from '../../tests/e2e/lib/browser.mjs';

const [origin, registry, ...cases] = process.argv.slice(2);
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
await page.goto(`${origin}/#/inspect`);
await page.evaluate(() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
});

for (const spec of cases) {
  const [name, rest] = spec.split('=');
  const [image, flag] = rest.split('+');
  const ref = `${registry}/${image}`;
  // A hash change: same page, so the workers started by an earlier case stay warm.
  await page.evaluate((hash) => { location.hash = hash; }, `#/inspect?${new URLSearchParams({ ref })}`);
  await page.waitForFunction((r) => document.querySelector('#reference')?.value === r
    && document.querySelector('[data-testid=verify-all]'), ref, { timeout: 60_000 });
  const blobs = await page.locator('[data-testid=layer-row]').count() + 1;
  if (flag === 'diffids') await page.getByLabel('Also check diff_ids').check();
  const t0 = await page.evaluate(() => performance.now());
  await page.getByTestId('verify-all').click();
  const t1 = await page.waitForFunction((n) => {
    const done = document.querySelectorAll('[data-testid=blob-result]').length === n;
    return done && performance.now();
  }, blobs, { timeout: 600_000, polling: 50 }).then((h) => h.jsonValue());
  const summary = JSON.parse(await page.getByTestId('summary-json').textContent());
  const long = await page.evaluate((start) => window.__longTasks.filter((t) => t.start >= start), t0);
  const bytes = summary.blobs.reduce((a, b) => a + b.size, 0);
  console.log(JSON.stringify({
    name,
    ref,
    ok: summary.ok,
    statuses: [...new Set(summary.blobs.map((b) => b.status))],
    blobs: summary.blobs.length,
    bytes,
    wallSeconds: (t1 - t0) / 1000,
    perBlob: summary.blobs.filter((b) => b.size > 1 << 20).map((b) => ({ size: b.size, seconds: b.seconds })),
    workers: await page.evaluate(() => navigator.hardwareConcurrency),
    longTasksOver100ms: long.filter((t) => t.duration > 100).length,
    longestTaskMs: Math.round(Math.max(0, ...long.map((t) => t.duration))),
  }));
}
await browser.close();
if (errors.length) {
  console.error(`page errors: ${errors.join('; ')}`);
  process.exit(1);
}
