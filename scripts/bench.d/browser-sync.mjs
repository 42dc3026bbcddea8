// The browser half of scripts/bench.d/browser-sync.sh: the built app in headless Chromium, on
// Copy's repository mode, with the sync benchmark's repository, through `waybill serve`:
//
//   mirror    the run button copies every listed tag into a fresh repository (the core's sync, on
//             the page): wall time from the click to the result, its counts
//   download  "Download as archive" writes the same tags into one OCI-layout archive through the
//             save picker, answered with a file of the origin-private file system (headless
//             Chromium shows no dialog): wall time from the click to the done notice, the size
//
// Each runs in a tab of its own (a wasm memory never shrinks: the download's figures must not hold
// the mirror's) and reports the tab's peak memory over the page and its workers (tab-memory.mjs)
// and the CPU seconds of Chromium's processes, of waybill serve and of both registries
// (procs.mjs). Times are read on the page's own clock (see upload.mjs). The browser runs with a
// profile on disk (a persistent context): Playwright's other contexts are incognito, whose
// origin-private file system lives in memory, and the archive is to be a real file. The file is
// removed once measured.
//
// usage: node browser-sync.mjs ORIGIN SOURCE (host/repository) DESTINATION (host/repository)
//   TAGS (how many the page must list) PROFILE_DIR PIDS_JSON ({ "serve": PID, … })
// Prints one JSON object on stdout.
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { watchTab } from './tab-memory.mjs';
import { Processes } from './procs.mjs';

const [origin, source, destination, tagCount, profile, pidsJson] = process.argv.slice(2);
const tags = Number(tagCount);
const processes = new Processes(JSON.parse(pidsJson));

// tests/e2e/lib/browser.mjs's flags (it launches no persistent context): nothing leaves loopback.
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--disable-features=DnsOverHttps,AsyncDns',
];
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ARGS,
  viewport: { width: 1280, height: 900 },
});
const browser = context.browser();
// The save picker answered with a real origin-private file (the name kept for the clean-up).
await context.addInitScript(() => {
  window.showSaveFilePicker = async ({ suggestedName }) => {
    window.__benchSaved = suggestedName;
    return (await navigator.storage.getDirectory()).getFileHandle(suggestedName, { create: true });
  };
});
for (const p of context.pages()) await p.close();

const errors = [];
async function copyPage(query) {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${origin}/#/copy?${new URLSearchParams({ mode: 'repository', ...query })}`);
  await page.getByTestId('mirror-form').waitFor({ timeout: 60_000 });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=mirror-tag]').length === n
    && document.querySelector('#mirror-tags-heading')?.textContent === `${n} of ${n} tags chosen`, tags, { timeout: 120_000 });
  return page;
}

// Marks on the page's clock: the click on BUTTON and the first of ENDS to show.
async function markRun(page, button, ends) {
  await page.evaluate(([button, ends]) => {
    const marks = (window.__benchMarks = {});
    document.addEventListener('click', (e) => {
      if (!marks.click && e.target.closest(`[data-testid=${button}]`)) marks.click = performance.now();
    }, true);
    new MutationObserver(() => {
      if (!marks.end && document.querySelector(ends)) marks.end = performance.now();
    }).observe(document.body, { subtree: true, childList: true });
  }, [button, ends]);
}

async function measured(page, button, ends) {
  await markRun(page, button, ends);
  const tab = await watchTab(browser);
  const before = processes.sample();
  await page.getByTestId(button).click();
  await page.locator(ends).first().waitFor({ timeout: 1_800_000 });
  const cpu = Processes.spent(before, processes.sample());
  const { peak, workers } = await tab.stop();
  const marks = await page.evaluate(() => window.__benchMarks);
  return { seconds: (marks.end - marks.click) / 1000, cpu, peak, workers };
}

// --- the mirror -----------------------------------------------------------------------------------
const result = {};
{
  const page = await copyPage({ from: source, to: destination });
  // Every row's preview read (nothing at the destination yet), so no listing traffic is timed.
  await page.waitForFunction((n) => [...document.querySelectorAll('[data-testid=mirror-tag] [data-testid=mirror-destination]')]
    .filter((c) => c.textContent.trim() === 'missing').length === n, tags, { timeout: 120_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=mirror-run]')?.disabled === false);
  const m = await measured(page, 'mirror-run', '[data-testid=mirror-result], [data-testid=mirror-failed]');
  const failed = page.getByTestId('mirror-failed');
  const counts = (await failed.count()) ? `failed: ${await failed.innerText()}` : await page.getByTestId('mirror-counts').innerText();
  result.mirror = { ...m, counts, ok: counts.startsWith(`${tags} copied, 0 already up to date, 0 refused, 0 failed`) };
  await page.close();
}

// --- the download, in a tab of its own ------------------------------------------------------------
execFileSync('sync'); // the mirror's writeback is not the download's to pay
{
  const page = await copyPage({ from: source });
  await page.waitForFunction((n) => [...document.querySelectorAll('[data-testid=mirror-tag] [data-testid=mirror-digest]')]
    .filter((c) => c.textContent.startsWith('sha256:')).length === n, tags, { timeout: 120_000 });
  await page.getByTestId('download-panel').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid=download-archive]')?.disabled === false);
  let d;
  let failure = null;
  try {
    d = await measured(page, 'download-archive', '[data-testid=download-done], [data-testid=download-failed]');
  } catch (e) {
    failure = e;
  }
  // The archive's size, then the file removed (hundreds of MiB in the profile otherwise).
  const file = await page.evaluate(async () => {
    const name = window.__benchSaved;
    if (!name) return { name: null, size: 0 };
    const root = await navigator.storage.getDirectory();
    const size = (await (await root.getFileHandle(name)).getFile()).size;
    await root.removeEntry(name);
    return { name, size };
  }).catch((e) => ({ name: null, size: 0, cleanup: e.message }));
  if (failure) throw failure;
  Object.assign(d, { file: file.name, bytes: file.size, cleanup: file.cleanup });
  const failed = page.getByTestId('download-failed');
  const counts = (await failed.count()) ? `failed: ${await failed.innerText()}` : await page.getByTestId('download-counts').innerText();
  result.download = { ...d, counts, ok: counts.startsWith(`${tags} saved, 0 left out`) };
  await page.close();
}

console.log(JSON.stringify({ ...result, errors }));
await context.close();
