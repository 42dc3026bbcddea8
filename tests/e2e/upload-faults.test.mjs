// The browser's push meets the network faults `waybill copy` and `push` are tested against
// (crates/cli/tests/faults.rs), injected by the same relay (lib/relay.mjs) between `waybill serve`
// and the real distribution registry: a blob PUT answered 500 once, a chunk answered 429 with
// `Retry-After`, a chunk that gets no answer, and a blob PUT that keeps failing. The first three
// must recover — sent again after the backoff or the registry's `Retry-After`, resumed from the
// registry's `Range` — and the image read back must be whole; the last must fail clearly, with no
// manifest PUT. The layer is a plain tar, so it is gzip'd on the way (the default): these are the
// faults of a compressed upload, whose digest is learned only as it is sent. (A connection broken
// mid-PATCH is upload-resume's case.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { launch, screenshot, failOnPageErrors } from './lib/browser.mjs';
import { registryEnv } from './lib/registry.mjs';
import { gunzippedDigest, pullBackAndCheck, sha256, skopeoRaw, startServeWith } from './lib/pulp.mjs';
import { bigDockerArchive, workDir } from './lib/archives.mjs';
import { startRelay } from './lib/relay.mjs';
import { fillTarget, pickFile, runEnds } from './lib/upload.mjs';

const MIB = 1024 * 1024;
// Three 8 MiB chunks: a fault on one chunk leaves others before and after it.
const LAYER_BYTES = 20 * MIB;
// How long `waybill serve` waits for an upstream's answer: a stalled chunk ends in its 504.
const RESPONSE_TIMEOUT_SECS = 3;
const BLOB_PUT = 'PUT:/blobs/uploads/';
const PATCH = 'PATCH:/blobs/uploads/';
const FAULTS = {
  putOnce: `answer:${BLOB_PUT}:1:500`,
  retryAfter: `answer:${PATCH}:1:429:2`,
  stall: `stall:${PATCH}:1`,
  putAlways: `answer:${BLOB_PUT}:all:500`,
};
let serve, browser, reg, dir, archive;
const relays = {};

before(async () => {
  reg = await registryEnv();
  const strictPort = Number(new URL(reg.REGISTRY_STRICT_URL).port);
  for (const [name, fault] of Object.entries(FAULTS)) relays[name] = await startRelay(strictPort, fault);
  dir = workDir('upload-faults');
  archive = bigDockerArchive(dir, 'e2e/faults:v1', LAYER_BYTES);
  serve = await startServeWith(dir, {
    registryHosts: Object.values(relays).map((r) => r.host),
    proxySettings: { response_timeout_secs: RESPONSE_TIMEOUT_SECS },
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  for (const relay of Object.values(relays)) await relay.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Pushes the archive from the Upload page through `relay`; returns how the run ended. */
async function push(relay, name) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  failOnPageErrors(page, errors);
  await page.goto(`${serve.origin}/#/upload`);
  await pickFile(page, archive.path);
  const repository = `upload-e2e/faults-${name}-${Date.now()}`;
  await fillTarget(page, 'upload', { registry: relay.host, repository, tag: 'v1' });
  await page.getByTestId('push').click();
  const end = await runEnds(page, 180_000);
  await page.locator('[data-testid=result], [data-testid=failure]').first().scrollIntoViewIfNeeded();
  await screenshot(page, `upload-fault-${name}-1280`);
  await page.close();
  return { ...end, repository, errors };
}

/** The faulted request, and the next request with the same request line (`undefined`: none). */
function faultedAndResent(relay) {
  const at = relay.seen.findIndex((s) => s.faulted);
  assert.ok(at >= 0, `the relay injected its fault: ${relay.requests.join('\n')}`);
  return { faulted: relay.seen[at], again: relay.seen.slice(at + 1).find((s) => s.line === relay.seen[at].line) };
}

/** The registry holds the image the page reported, every blob whole, the layer the one tarred,
 *  gzip'd. */
async function assertPushedWhole(end) {
  assert.ok(end.ok, end.text);
  const raw = skopeoRaw(`${reg.REGISTRY_STRICT_URL.replace('http://', '')}/${end.repository}:v1`);
  assert.equal(sha256(raw), end.digest, 'the registry serves the manifest the page pushed');
  const base = reg.REGISTRY_STRICT_URL;
  const { manifest } = await pullBackAndCheck({ base, repository: end.repository, reference: 'v1' });
  assert.equal(manifest.config.digest, archive.config);
  const [layer] = manifest.layers;
  assert.equal(layer.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
  assert.notEqual(layer.digest, archive.diffId, 'gzip gives the layer a new digest');
  assert.equal(await gunzippedDigest({ base, repository: end.repository, digest: layer.digest }), archive.diffId,
    'the layer gunzips to the tar sha256sum hashed');
}

test('a blob PUT answered 500 once is sent again, and the push completes', async () => {
  const relay = relays.putOnce;
  const end = await push(relay, 'put-once');
  const { faulted, again } = faultedAndResent(relay);
  assert.match(faulted.line, /^PUT .*digest=sha256/, 'the faulted PUT finalises a blob');
  assert.ok(again, `the PUT was sent again: ${relay.requests.join('\n')}`);
  await assertPushedWhole(end);
});

test("a chunk answered 429 is sent again once the registry's Retry-After has passed", async () => {
  const relay = relays.retryAfter;
  const end = await push(relay, 'retry-after');
  const { faulted, again } = faultedAndResent(relay);
  assert.ok(again, `the PATCH was sent again: ${relay.requests.join('\n')}`);
  assert.ok(again.ms - faulted.ms >= 2000, `sent again after ${again.ms - faulted.ms} ms, before Retry-After: 2`);
  await assertPushedWhole(end);
});

test('a chunk that gets no answer ends in the proxy’s timeout; the push resumes from the Range', async () => {
  const relay = relays.stall;
  const end = await push(relay, 'stall');
  const at = relay.seen.findIndex((s) => s.faulted);
  assert.ok(at >= 0, 'a PATCH was stalled');
  const next = relay.seen.slice(at + 1).find((s) => s.line.includes('/blobs/uploads/'));
  assert.ok(next?.line.startsWith('GET '), `the registry was asked for its Range next: ${next?.line}`);
  assert.ok(next.ms - relay.seen[at].ms >= RESPONSE_TIMEOUT_SECS * 1000, 'only after the proxy gave up on the chunk');
  await assertPushedWhole(end);
  // The proxy's 504 is the one console error the page may show.
  assert.deepEqual(end.errors.filter((e) => !e.includes('504')), []);
});

test('a blob PUT that keeps failing ends the push clearly, with no manifest sent', async () => {
  const relay = relays.putAlways;
  const end = await push(relay, 'put-always');
  assert.equal(end.ok, false, 'the push failed');
  assert.match(end.text, /500/, `the failure names the registry's answer: ${end.text}`);
  const puts = relay.requests.filter((r) => r.startsWith('PUT ') && r.includes('/blobs/uploads/'));
  assert.equal(puts.length, 2, `one blob PUT, sent once more and no more: ${puts.join('\n')}`);
  assert.equal(new Set(puts).size, 1, 'the same PUT both times');
  assert.ok(!relay.requests.some((r) => r.startsWith('PUT ') && r.includes('/manifests/')), 'no manifest PUT');
  const manifest = await fetch(`${reg.REGISTRY_STRICT_URL}/v2/${end.repository}/manifests/v1`);
  assert.equal(manifest.status, 404, 'the registry has no such tag');
});
