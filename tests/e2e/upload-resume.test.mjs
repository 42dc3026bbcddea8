// Cancelling that push half-way leaves nothing half-pushed: the open upload session is deleted and
// no manifest is pushed.
//
// A 300 MiB layer pushed from the browser through `waybill serve` to the real distribution
// registry, with a fault injected between chunks: the CLI's fault relay (lib/relay.mjs) sits between
// the proxy and the registry and cuts the connection that carries the third PATCH before any of it
// reaches the registry. The proxy answers 502, the upload engine asks the registry
// for its Range and resumes from there, and the push completes: the registry serves the manifest
// the page showed, and the 300 MiB layer read back hashes to the diff ID sha256sum computed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { launch, screenshot, failOnPageErrors } from './lib/browser.mjs';
import { registryEnv } from './lib/registry.mjs';
import { pullBackAndCheck, sha256, skopeoRaw, startServeWith } from './lib/pulp.mjs';
import { bigDockerArchive, workDir } from './lib/archives.mjs';
import { startRelay } from './lib/relay.mjs';
import { chooseCompression, fillTarget, pickFile, runEnds } from './lib/upload.mjs';

const MIB = 1024 * 1024;
const LAYER_BYTES = 300 * MIB;
let serve, browser, reg, relay, dir, big;

before(async () => {
  reg = await registryEnv();
  const strictPort = Number(new URL(reg.REGISTRY_STRICT_URL).port);
  relay = await startRelay(strictPort, 'drop-patch:3');
  dir = workDir('upload-resume');
  big = bigDockerArchive(dir, 'e2e/big:300m', LAYER_BYTES);
  serve = await startServeWith(dir, { registryHosts: [relay.host] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  await relay?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a 300 MiB layer survives a dropped chunk: resumed from the Range, pushed whole', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  failOnPageErrors(page, errors);
  await page.goto(`${serve.origin}/#/upload`);
  await pickFile(page, big.path);
  // As stored: the layer goes up as slices of the file, never through wasm memory (the gzip'd
  // path meets faults in upload-faults).
  await chooseCompression(page, 'none');
  const repository = `upload-e2e/big-${Date.now()}`;
  await fillTarget(page, 'upload', { registry: relay.host, repository, tag: 'v1' });
  await page.getByTestId('push').click();
  const end = await runEnds(page, 600_000);
  assert.ok(end.ok, end.text);

  assert.equal(relay.faults, 1, 'the relay cut one PATCH off');
  const patches = relay.requests.filter((r) => r.startsWith('PATCH'));
  assert.ok(patches.length >= 300 / 8, `the layer went up in 8 MiB chunks (${patches.length} PATCHes)`);
  // After the cut: the upload engine asked the registry where it stood (GET on the session).
  const cut = relay.seen.findIndex((s) => s.faulted);
  assert.ok(relay.requests.slice(cut + 1).some((r) => r.startsWith('GET /v2/') && r.includes('/blobs/uploads/')),
    `a GET of the upload session followed the cut: ${relay.requests.slice(cut, cut + 4).join(', ')}`);

  const raw = skopeoRaw(`${reg.REGISTRY_STRICT_URL.replace('http://', '')}/${repository}:v1`);
  assert.equal(sha256(raw), end.digest, 'the registry serves the manifest the page pushed');
  const { manifest } = await pullBackAndCheck({ base: reg.REGISTRY_STRICT_URL, repository, reference: 'v1' });
  assert.equal(manifest.layers[0].digest, big.diffId, 'the layer is the tar sha256sum hashed');
  assert.equal(manifest.layers[0].size > LAYER_BYTES, true);
  await page.getByTestId('result').scrollIntoViewIfNeeded();
  await screenshot(page, 'upload-resumed-1280');
  assert.deepEqual(errors.filter((e) => !e.includes('502')), []);
});

test('cancel half-way: the upload session is deleted, no manifest is pushed', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${serve.origin}/#/upload`);
  await pickFile(page, big.path);
  const repository = `upload-e2e/cancelled-${Date.now()}`;
  await fillTarget(page, 'upload', { registry: relay.host, repository, tag: 'v1' });
  const seen = relay.requests.length;
  await page.getByTestId('push').click();
  // Half-way: a chunk of the layer (gzip'd on the way, the default) reached the relay.
  const patched = () => relay.requests.slice(seen).some((r) => r.startsWith('PATCH') && r.includes(repository));
  for (const started = Date.now(); !patched();) {
    assert.ok(Date.now() - started < 120_000, `no chunk went up within 2 minutes: ${relay.requests.slice(seen).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await page.getByTestId('cancel').click();
  await page.getByTestId('failure').waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId('failure').innerText(), /Push cancelled/);
  assert.match(await page.getByTestId('transfer-heading').innerText(), /Push cancelled/);

  const after = relay.requests.slice(seen).filter((r) => r.includes(repository));
  assert.ok(after.some((r) => r.startsWith('PATCH')), `chunks went up before the cancel: ${after.join(', ')}`);
  assert.ok(after.some((r) => r.startsWith('DELETE') && r.includes('/blobs/uploads/')),
    `the session was deleted: ${after.join(', ')}`);
  assert.ok(!after.some((r) => r.includes('/manifests/') && r.startsWith('PUT')), 'no manifest PUT');
  const manifest = await fetch(`${reg.REGISTRY_STRICT_URL}/v2/${repository}/manifests/v1`);
  assert.equal(manifest.status, 404, 'the registry has no such tag');
  await page.getByTestId('failure').scrollIntoViewIfNeeded();
  await screenshot(page, 'upload-cancelled-1280');
});
