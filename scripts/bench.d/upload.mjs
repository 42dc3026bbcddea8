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
// usage: node upload.mjs ORIGIN REGISTRY_HOST REPOSITORY ARCHIVE CHUNK_MIB
// Prints one JSON object on stdout.
import { launch } from '../../tests/e2e/lib/browser.mjs';
import { fillTarget, pickFile, runEnds } from '../../tests/e2e/lib/upload.mjs';

const [origin, registry, repository, archive, chunkMib] = process.argv.slice(2);
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

// Every page and worker target, attached through one browser-level DevTools session.
const cdp = await browser.newBrowserCDPSession();
const sessions = new Map();
const pending = new Map();
let nextId = 1;
cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
  const reply = JSON.parse(message);
  pending.get(reply.id)?.(reply);
  pending.delete(reply.id);
});
function call(sessionId, method, params = {}) {
  const id = nextId++;
  const answered = new Promise((resolve) => pending.set(id, resolve));
  cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(() => pending.delete(id));
  return Promise.race([answered, new Promise((resolve) => setTimeout(() => resolve({}), 5000))]);
}

/** The bytes of every WebAssembly.Memory in the target. */
async function wasmMemory(sessionId) {
  const proto = await call(sessionId, 'Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
  const prototypeObjectId = proto.result?.result?.objectId;
  if (!prototypeObjectId) return 0;
  const found = await call(sessionId, 'Runtime.queryObjects', { prototypeObjectId });
  const objectId = found.result?.objects?.objectId;
  if (!objectId) return 0;
  const sum = await call(sessionId, 'Runtime.callFunctionOn', {
    objectId,
    functionDeclaration: 'function () { return this.reduce((a, m) => a + m.buffer.byteLength, 0); }',
    returnByValue: true,
  });
  return sum.result?.result?.value ?? 0;
}
async function sample() {
  const { targetInfos } = await cdp.send('Target.getTargets');
  for (const t of targetInfos) {
    if ((t.type === 'page' || t.type === 'worker') && !sessions.has(t.targetId)) {
      const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: t.targetId, flatten: false }).catch(() => ({}));
      if (sessionId) sessions.set(t.targetId, { sessionId, type: t.type });
    }
  }
  const live = new Set(targetInfos.map((t) => t.targetId));
  let js = 0;
  let backing = 0;
  const targets = [];
  for (const [targetId, s] of sessions) {
    if (!live.has(targetId)) continue;
    const { result } = await call(s.sessionId, 'Runtime.getHeapUsage');
    if (!result) continue;
    js += result.usedSize;
    backing += result.backingStorageSize ?? 0;
    targets.push({ type: s.type, js: result.usedSize, backing: result.backingStorageSize ?? 0 });
  }
  return { js, backing, targets };
}

await page.goto(`${origin}/#/upload`);
await pickFile(page, archive);
await fillTarget(page, 'upload', { registry, repository, tag: 'bench' });
await page.selectOption('#chunk-size', String(chunkMib));
const peak = { js: 0, backing: 0, sum: 0, targets: [] };
let sampling = true;
const sampler = (async () => {
  while (sampling) {
    const s = await sample();
    peak.js = Math.max(peak.js, s.js);
    peak.backing = Math.max(peak.backing, s.backing);
    if (s.js + s.backing > peak.sum) {
      peak.sum = s.js + s.backing;
      peak.targets = s.targets;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
})();
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
sampling = false;
await sampler;
const workers = [...sessions.values()].filter((s) => s.type === 'worker').length;
const wasm = [];
for (const s of sessions.values()) wasm.push({ type: s.type, bytes: await wasmMemory(s.sessionId) });
peak.wasm = wasm;
console.log(JSON.stringify({ ok: end.ok, digest: end.digest, failure: end.text, seconds, verifySeconds, peak, workers, errors }));
await browser.close();
