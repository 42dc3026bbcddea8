// The browser half of scripts/bench.d/browser.sh. Headless Chromium opens the built app from
// `waybill serve` and measures, per case, one run of each path:
//
//   verify  the app's own Verify: the button, the page's worker pool, blobs streamed from the
//           registry through the proxy into the hashing workers (what a person gets)
//   worker  the same registry jobs sent straight to the app's hashing worker (dist/
//           waybill-hasher.js) in its own protocol, one job per worker at a time as the pool does:
//           the network path without the page
//   file    the same bytes as `File`s (picked with an <input type=file>) in hash jobs to the same
//           worker, as the Upload page sends them: hashing without the network
//
// With a baseline build (a folder under the origin holding another build's waybill-hasher.js and
// waybill-hasher_bg.wasm), every worker and file run is repeated with it right after, so the two
// builds meet the same machine load. Each run reports its wall time, the page's long tasks, and
// the CPU seconds spent by Chromium's renderers, network service and browser process, by
// `waybill serve` and by the registry (procs.mjs).
//
// usage: node browser.mjs ORIGIN REGISTRY_HOST FACTS.json [BASELINE_DIR]
// FACTS.json: { "pids": { "serve": PID, "registry": PID }, "cases": [ { "name", "image" (repo:tag),
//   "diffIds" (bool), "files": [ { "path", "sha256", "content" (diff_id), "compression" } ] } ] }
// Prints one JSON object per run on stdout.
import { readFileSync } from 'node:fs';
import { benchPage } from './bench-page.mjs';
import { Processes } from './procs.mjs';

const [origin, registry, factsPath, baseline] = process.argv.slice(2);
const facts = JSON.parse(readFileSync(factsPath, 'utf8'));
const processes = new Processes(facts.pids);
const builds = baseline ? [['current', ''], ['baseline', `${baseline.replace(/\/*$/, '')}/`]] : [['current', '']];

const { browser, page, errors } = await benchPage(`${origin}/#/inspect`);
await page.evaluate(() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
});

// The files, picked as a person would pick them (Playwright hands Chromium the paths).
const paths = [...new Set(facts.cases.flatMap((c) => c.files.map((f) => f.path)))];
await page.evaluate((n) => {
  for (let i = 0; i < n; i++) {
    const input = Object.assign(document.createElement('input'), { type: 'file', id: `bench-file-${i}`, hidden: true });
    document.body.append(input);
  }
}, paths.length);
for (const [i, path] of paths.entries()) await page.setInputFiles(`#bench-file-${i}`, path);

// The worker driver: starts a build's workers as the pool does (a bootstrap Blob that loads the
// glue and the module by absolute URL), and runs a list of jobs over them, one job per worker at
// a time, the next job to the first worker free.
await page.evaluate(([origin, paths]) => {
  const files = Object.fromEntries(paths.map((p, i) => [p, document.getElementById(`bench-file-${i}`).files[0]]));
  const start = (dir) => new Promise((resolve, reject) => {
    const js = JSON.stringify(`${origin}/${dir}waybill-hasher.js`);
    const wasm = JSON.stringify(`${origin}/${dir}waybill-hasher_bg.wasm`);
    const boot = new Blob([`importScripts(${js});\nwasm_bindgen({ module_or_path: ${wasm} });\n`], { type: 'text/javascript' });
    const worker = new Worker(URL.createObjectURL(boot));
    worker.onmessage = (e) => { if (JSON.parse(e.data.json).type === 'ready') resolve(worker); };
    worker.onerror = (e) => reject(new Error(`${dir}waybill-hasher.js: ${e.message}`));
  });
  const pools = {};
  let nextId = 1;
  const send = (worker, message, blob) => new Promise((resolve) => {
    const id = nextId++;
    const t0 = performance.now();
    worker.onmessage = (e) => {
      const m = JSON.parse(e.data.json);
      if (m.id === id && m.type !== 'progress') resolve({ answer: m, seconds: (performance.now() - t0) / 1000 });
    };
    worker.postMessage(blob ? { json: JSON.stringify({ ...message, id }), blob } : { json: JSON.stringify({ ...message, id }) });
  });
  window.__bench = {
    async workers(dir) {
      if (!pools[dir]) {
        const n = Math.min(navigator.hardwareConcurrency || 1, 8);
        pools[dir] = await Promise.all(Array.from({ length: n }, () => start(dir)));
      }
      return pools[dir];
    },
    // jobs: [{ run: Job } | { hash: HashJob, path, slice? }] (slice: only the first bytes)
    async run(dir, jobs) {
      const workers = await this.workers(dir);
      const queue = jobs.map((job, index) => ({ job, index }));
      const results = [];
      const t0 = performance.now();
      await Promise.all(workers.map(async (worker) => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const { job, index } = next;
          results[index] = job.run
            ? await send(worker, { type: 'run', job: job.run })
            : await send(worker, { type: 'hash', job: job.hash }, job.slice ? files[job.path].slice(0, job.slice) : files[job.path]);
        }
      }));
      return { seconds: (performance.now() - t0) / 1000, results, t0 };
    },
  };
}, [origin, paths]);

// The registry jobs of an image, as the page builds them: its manifest through the proxy.
async function registryJobs(image, diffIds) {
  const [repository, tag] = image.split(':');
  const manifest = await page.evaluate(async (url) => {
    const r = await fetch(url, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' }, cache: 'no-store' });
    return r.json();
  }, `${origin}/r/${registry}/v2/${repository}/manifests/${tag}`);
  const source = { kind: 'registry', proxy_origin: origin, api_host: registry, repository, login: null, urls: [], allow_urls: false };
  return [manifest.config, ...manifest.layers].map((d, i) => ({
    run: { digest: d.digest, size: d.size, source, diff_id: diffIds && i > 0 },
  }));
}

async function measured(what, body) {
  const before = processes.sample();
  const t0 = await page.evaluate(() => performance.now());
  const result = await body();
  const cpu = Processes.spent(before, processes.sample());
  const long = await page.evaluate((start) => window.__longTasks.filter((t) => t.start >= start), t0);
  console.log(JSON.stringify({
    ...what,
    ...result,
    cpu,
    longTasksOver100ms: long.filter((t) => t.duration > 100).length,
    longestTaskMs: Math.round(Math.max(0, ...long.map((t) => t.duration))),
  }));
}

// The app's Verify button on an image: wall time from the click to the last verdict.
async function verify(c) {
  const ref = `${registry}/${c.image}`;
  // A hash change: same page, so the workers started by an earlier case stay warm.
  await page.evaluate((hash) => { location.hash = hash; }, `#/inspect?${new URLSearchParams({ ref })}`);
  await page.waitForFunction((r) => document.querySelector('#reference')?.value === r
    && document.querySelector('[data-testid=verify-all]'), ref, { timeout: 60_000 });
  const blobs = await page.locator('[data-testid=layer-row]').count() + 1;
  const diffIds = page.getByLabel('Also check diff_ids');
  if (c.diffIds) await diffIds.check(); else await diffIds.uncheck();
  await measured({ name: c.name, path: 'verify', build: 'current' }, async () => {
    const t0 = await page.evaluate(() => performance.now());
    await page.getByTestId('verify-all').click();
    const t1 = await page.waitForFunction((n) => {
      const done = document.querySelectorAll('[data-testid=blob-result]').length === n;
      return done && performance.now();
    }, blobs, { timeout: 600_000, polling: 50 }).then((h) => h.jsonValue());
    // The page's JSON is the core's VerifyReport (as `waybill verify --json`), which times no
    // blob: this path reports no per-job rate.
    const report = JSON.parse(await page.getByTestId('summary-json').textContent());
    const checked = report.images.flatMap((i) => i.blobs);
    return {
      ok: report.ok && (!c.diffIds || checked.every((b) => b.status.status === 'verified')),
      bytes: checked.reduce((a, b) => a + b.size, 0),
      seconds: (t1 - t0) / 1000,
      perJob: [],
    };
  });
}

function judgeRun(answer) {
  const verdict = answer.outcome?.verdict;
  if (verdict?.status !== 'verified') return `not verified: ${JSON.stringify(verdict)}`;
  if (verdict.diff_id && !verdict.diff_id.Ok) return `diff_id failed: ${JSON.stringify(verdict.diff_id)}`;
  return null;
}

async function worker(c, build, dir, jobs) {
  await measured({ name: c.name, path: 'worker', build }, async () => {
    const r = await page.evaluate(([dir, jobs]) => window.__bench.run(dir, jobs), [dir, jobs]);
    const problems = r.results.map((x) => judgeRun(x.answer)).filter(Boolean);
    const diffs = r.results.map((x) => x.answer.outcome.verdict.diff_id?.Ok?.digest).filter(Boolean);
    const expected = c.files.map((f) => f.content).filter((d) => c.diffIds && d);
    if (c.diffIds && JSON.stringify(diffs) !== JSON.stringify(expected)) problems.push(`diff_ids ${diffs} != ${expected}`);
    return {
      ok: problems.length === 0,
      problems,
      bytes: jobs.reduce((a, j) => a + j.run.size, 0),
      seconds: r.seconds,
      perJob: r.results.filter((x, i) => jobs[i].run.size > 1 << 20)
        .map((x) => ({ size: x.answer.outcome.bytes, seconds: x.seconds })),
    };
  });
}

async function file(c, build, dir) {
  const jobs = c.files.map((f) => ({ path: f.path, size: f.size, hash: { size: f.size, compression: f.compression, sha512: false } }));
  await measured({ name: c.name, path: 'file', build }, async () => {
    const r = await page.evaluate(([dir, jobs]) => window.__bench.run(dir, jobs), [dir, jobs]);
    const problems = r.results.flatMap((x, i) => {
      const f = c.files[i];
      const got = x.answer.facts?.Ok;
      if (!got) return [`${f.path}: ${JSON.stringify(x.answer.facts)}`];
      const content = got.content?.Ok;
      return [
        got.sha256 !== f.sha256 && `${f.path}: sha256 ${got.sha256} != ${f.sha256}`,
        content !== f.content && `${f.path}: content ${content} != ${f.content}`,
      ].filter(Boolean);
    });
    return {
      ok: problems.length === 0,
      problems,
      bytes: jobs.reduce((a, j) => a + j.size, 0),
      seconds: r.seconds,
      perJob: r.results.map((x, i) => ({ size: jobs[i].size, seconds: x.seconds })),
    };
  });
}

// Each build's workers start, and tier up, before anything is measured: each hashes the first
// 64 MiB of the first file.
for (const [, dir] of builds) {
  const f = facts.cases[0].files[0];
  const size = Math.min(f.size, 64 << 20);
  const warm = { path: f.path, slice: size, hash: { size, compression: 'none', sha512: false } };
  await page.evaluate(([dir, warm]) => window.__bench.workers(dir)
    .then((ws) => window.__bench.run(dir, ws.map(() => warm))), [dir, warm]);
}

for (const c of facts.cases) {
  await verify(c);
  const jobs = await registryJobs(c.image, c.diffIds);
  for (const [build, dir] of builds) await worker(c, build, dir, jobs);
  for (const [build, dir] of builds) await file(c, build, dir);
}
await browser.close();
if (errors.length) {
  console.error(`page errors: ${errors.join('; ')}`);
  process.exit(1);
}
