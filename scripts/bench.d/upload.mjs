// The browser half of scripts/bench.d/upload.sh: the built app in headless Chromium pushes an
// archive file through `waybill serve` into a registry (its real Upload: hashed by the hashing
// workers, uploaded as Blob slices by the push worker), and reports the wall time from the click
// on Push to the result (both read on the page's own clock: Playwright's waitFor polls at up to
// 500 ms intervals, and saw the result 0.3-0.45 s late here), the result's digest, and the tab's
// peak memory over the page and every worker, through the DevTools protocol: the JS heap and
// ArrayBuffer backing stores sampled every 100 ms (Runtime.getHeapUsage per target), and at the
// end the size of every WebAssembly.Memory (Runtime.queryObjects; a wasm memory never shrinks, so
// its final size is its peak).
//
// usage: node upload.mjs ORIGIN REGISTRY_HOST REPOSITORY ARCHIVE CHUNK_MIB COMPRESSION
// (COMPRESSION: the Layer compression choice, gzip, zstd or none)
// Prints one JSON object on stdout.
import { chooseCompression, fillTarget, pickFile, runEnds } from '../../tests/e2e/lib/upload.mjs';
import { benchPage } from './bench-page.mjs';
import { watchTab } from './tab-memory.mjs';

const [origin, registry, repository, archive, chunkMib, compression] = process.argv.slice(2);
const { browser, page, errors } = await benchPage(`${origin}/#/upload`);
await pickFile(page, archive);
await fillTarget(page, 'upload', { registry, repository, tag: 'bench' });
await page.selectOption('#chunk-size', String(chunkMib));
await chooseCompression(page, compression);
const tab = await watchTab(browser);
// Marks on the page's clock: the click on Push, the first upload progress (verification ends
// where the uploads begin: the page shows their progress from then on), and the end of the run.
await page.evaluate(() => {
  const marks = (window.__benchMarks = {});
  const now = () => performance.now();
  document.addEventListener('click', (e) => {
    if (!marks.click && e.target.closest('[data-testid=push]')) marks.click = now();
  }, true);
  const ends = '[data-testid=result], [data-testid=failure], [data-testid=rejection-panel]';
  new MutationObserver(() => {
    if (!marks.upload && document.querySelector('[data-testid=upload-progress]')) marks.upload = now();
    if (!marks.end && document.querySelector(ends)) marks.end = now();
  }).observe(document.body, { subtree: true, childList: true });
});
await page.getByTestId('push').click();
const end = await runEnds(page, 1_800_000);
const marks = await page.evaluate(() => window.__benchMarks);
const seconds = (marks.end - marks.click) / 1000;
const verifySeconds = marks.upload ? (marks.upload - marks.click) / 1000 : null;
const { peak, workers } = await tab.stop();
console.log(JSON.stringify({ ok: end.ok, digest: end.digest, failure: end.text, seconds, verifySeconds, peak, workers, errors }));
await browser.close();
