// CORS proven in a browser: a page on another origin (EDGE_OTHER_ORIGIN, which the Worker's test
// configuration allows) fetches a manifest from the real distribution registry through the Worker
// in local workerd — preflight included (the request carries Authorization) — and reads the
// exposed Docker-Content-Digest header; a page from an origin the Worker does not allow cannot.
//
// Needs scripts/registry up + seed and scripts/edge up, with their env exported. The pages are
// served by small loopback servers started here (loopback pages, so Chromium's Local Network
// Access rules allow them to reach the loopback Worker; only CORS decides).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { launch, failOnPageErrors } from '../../../tests/e2e/lib/browser.mjs';
import { freePort } from '../../../tests/e2e/lib/server.mjs';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run scripts/edge up / scripts/registry up and eval their env`);
  return value;
};

const EDGE = env('EDGE_URL');
const ALLOWED_PAGE = env('EDGE_OTHER_ORIGIN');
const REGISTRY = new URL(env('REGISTRY_FOREIGN_URL')).host;
const NAME = 'fixtures/origin-story:windows-amd64-1.13.0';
const seeded = JSON.parse(readFileSync(env('REGISTRY_FIXTURES'), 'utf8')).images[NAME];

// A server that answers every request with a blank page.
function pageServer(port) {
  const server = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>another origin</title>');
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

let browser, refusedPage;
const servers = [];
before(async () => {
  browser = await launch();
  const port = await freePort();
  refusedPage = `http://127.0.0.1:${port}`;
  servers.push(await pageServer(Number(new URL(ALLOWED_PAGE).port)), await pageServer(port));
});
after(async () => {
  await browser?.close();
  for (const s of servers) s.close();
});

// Opens a blank page served as `origin` and runs the manifest fetch in it.
async function fetchFrom(origin) {
  const page = await browser.newPage();
  const errors = [];
  failOnPageErrors(page, errors);
  await page.goto(`${origin}/`);
  const [repo, tag] = NAME.split(':');
  const result = await page.evaluate(async ({ url, accept }) => {
    try {
      const r = await fetch(url, { headers: { Accept: accept, Authorization: 'Bearer page-token' } });
      const body = await r.text();
      return { status: r.status, digest: r.headers.get('Docker-Content-Digest'), length: body.length };
    } catch (e) {
      return { error: String(e) };
    }
  }, { url: `${EDGE}/r/${REGISTRY}/v2/${repo}/manifests/${tag}`, accept: seeded.manifest.mediaType });
  await page.close();
  return { result, errors };
}

test('a page on an allowed origin reads a manifest through the Worker', async () => {
  const { result, errors } = await fetchFrom(ALLOWED_PAGE);
  assert.equal(result.error, undefined, `fetch failed: ${result.error}; ${errors.join('\n')}`);
  assert.equal(result.status, 200);
  assert.equal(result.digest, seeded.manifest.digest, 'Docker-Content-Digest is exposed to the page');
  assert.equal(result.length, seeded.manifest.size);
  assert.deepEqual(errors, []);
});

test('a page on an origin the Worker does not allow is stopped by the browser', async () => {
  const { result, errors } = await fetchFrom(refusedPage);
  assert.match(result.error ?? '', /Failed to fetch/, JSON.stringify(result));
  assert.ok(errors.some((e) => e.includes('CORS')), `Chromium reports the CORS refusal: ${errors.join('\n')}`);
});
