// Verify in the browser: every blob of the origin-story image is downloaded through the proxy from
// the real registry and hashed in the app's Web Workers. Then one blob file in the registry's
// storage is corrupted (and restored afterwards): verify must fail exactly that blob, naming the
// digest the manifest expects and the one the bytes really have. The page's JSON report is the
// core's VerifyReport: the same document `waybill verify --json` prints for the same image.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { launch, screenshot, failOnPageErrors } from './lib/browser.mjs';
import { startServe, waybillBin } from './lib/server.mjs';
import { blobFile, registryEnv, serveConfig } from './lib/registry.mjs';

let serve, browser, reg, image, ref;

before(async () => {
  reg = await registryEnv();
  image = reg.fixtures.images['fixtures/origin-story:windows-amd64-1.13.0'];
  ref = `${reg.host}/${image.repository}:${image.tag}`;
  serve = await startServe(['--config', serveConfig(reg.host)]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

async function verifyAll(page, { diffIds }) {
  await page.goto(`${serve.origin}/#/inspect?${new URLSearchParams({ ref })}`);
  await page.getByTestId('layer-row').first().waitFor();
  if (diffIds) await page.getByLabel('Also check diff_ids').check();
  await page.getByTestId('verify-all').click();
  // Done when every blob (config + 7 layers) shows a result.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=blob-result]').length === 8, null, {
    timeout: 60_000,
  });
  return JSON.parse(await page.getByTestId('summary-json').textContent());
}

test('every blob verifies, digests and diff_ids, hashed in workers', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  failOnPageErrors(page, errors);
  const workers = [];
  page.on('worker', (w) => workers.push(w.url()));

  const summary = await verifyAll(page, { diffIds: true });
  assert.equal(summary.ok, true, JSON.stringify(summary, null, 1));
  assert.equal(summary.digest, image.manifest.digest);
  const blobs = summary.images[0].blobs;
  assert.deepEqual(
    blobs.map((b) => [b.digest, b.status.status]),
    [image.config, ...image.layers].map((b) => [b.digest, 'verified']),
  );
  // The diff_ids the workers computed are the ones the generator wrote in the config.
  assert.deepEqual(blobs.slice(1).map((b) => b.diff_id), image.layers.map((l) => l.diffId));
  // Foreign layers came from the registry (it has them), not from their urls.
  for (const blob of blobs.filter((b) => b.foreign)) {
    assert.match(blob.source, new RegExp(`/r/${reg.host}/v2/.*/blobs/${blob.digest}$`));
  }
  // One verify for every shell: the CLI's report of the same image, field for field (the page
  // also says where it read each blob).
  const cli = JSON.parse(execFileSync(waybillBin(), ['verify', ref, '--json'], { encoding: 'utf8' }));
  for (const blob of blobs) delete blob.source;
  assert.deepEqual(summary, cli);
  assert.equal(await page.locator('[data-testid=blob-result][data-ok=true]').count(), 8);
  assert.match(await page.getByTestId('verify-overall').innerText(), /all 8 blobs verified/);
  assert.ok(workers.length >= 1, 'hashing ran in Web Workers');
  await screenshot(page, 'verify-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'verify-390');
  assert.deepEqual(errors, []);
});

test('a corrupted blob in the registry fails verification, for that blob only, with both digests', async () => {
  const victim = image.layers[3]; // a distributable layer
  const file = blobFile(reg.REGISTRY_FOREIGN_BLOBS, victim.digest);
  const original = readFileSync(file);
  const corrupted = Buffer.from(original);
  corrupted[corrupted.length >> 1] ^= 0xff; // same size, one byte flipped
  const actual = `sha256:${createHash('sha256').update(corrupted).digest('hex')}`;
  writeFileSync(file, corrupted);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const summary = await verifyAll(page, { diffIds: false });
    assert.equal(summary.ok, false);
    const failed = summary.images[0].blobs.filter((b) => b.status.status !== 'verified');
    assert.deepEqual(failed.map((b) => [b.digest, b.status.status, b.actual_digest]), [[victim.digest, 'failed', actual]]);
    assert.match(failed[0].status.detail, new RegExp(`hash to ${actual}`));

    const row = page.locator(`[data-testid=layer-row][data-digest="${victim.digest}"]`);
    assert.match(await row.innerText(), /✗ digest mismatch/);
    assert.equal(await row.getByTestId('expected-digest').innerText(), victim.digest);
    assert.equal(await row.getByTestId('actual-digest').innerText(), actual);
    assert.equal(await page.locator('[data-testid=blob-result][data-ok=false]').count(), 1);
    assert.match(await page.getByTestId('verify-overall').innerText(), /1 of 8 blobs failed/);
    await row.scrollIntoViewIfNeeded();
    await screenshot(page, 'verify-corrupted-1280');
  } finally {
    writeFileSync(file, original);
  }
});

test('a foreign layer the registry lacks: not fetched by default, and its urls only through the proxy', async () => {
  // The origin-story manifest with its first foreign layer swapped for one whose blob was never
  // uploaded; the urls-allow registry accepts such a manifest without the blob.
  const manifest = await (await fetch(`${reg.REGISTRY_FOREIGN_URL}/v2/${image.repository}/manifests/${image.tag}`, {
    headers: { Accept: image.manifest.mediaType },
  })).json();
  const missing = `sha256:${createHash('sha256').update(`never uploaded ${Date.now()}`).digest('hex')}`;
  const url = `https://mcr.microsoft.com.invalid/foreign/${missing}`;
  manifest.layers[0] = { ...manifest.layers[0], digest: missing, size: 1234, urls: [url] };
  const put = await fetch(`${reg.REGISTRY_FOREIGN_URL}/v2/${image.repository}/manifests/foreign-missing`, {
    method: 'PUT',
    headers: { 'Content-Type': image.manifest.mediaType },
    body: JSON.stringify(manifest),
  });
  assert.equal(put.status, 201, await put.text());

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  failOnPageErrors(page, errors);
  await page.goto(`${serve.origin}/#/inspect?${new URLSearchParams({ ref: `${reg.host}/${image.repository}:foreign-missing` })}`);
  await page.getByTestId('layer-row').first().waitFor();
  await page.getByTestId('verify-all').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=blob-result]').length === 8);
  const row = page.locator(`[data-testid=layer-row][data-digest="${missing}"]`);
  assert.match(await row.innerText(), /not fetched/);
  assert.match(await row.innerText(), /Allow foreign layers/);
  const summary = JSON.parse(await page.getByTestId('summary-json').textContent());
  assert.deepEqual(
    summary.images[0].blobs.filter((b) => b.status.status !== 'verified').map((b) => [b.digest, b.status.status]),
    [[missing, 'not_fetched']],
  );

  // Allowed: Waybill tries the urls — through its proxy, which refuses a host it is not
  // configured for; the layer stays unverified, and says why.
  await page.getByTestId('foreign-panel').getByRole('checkbox').check();
  await row.getByRole('button', { name: /Verify again layer 1/ }).click();
  await page.waitForFunction((d) => {
    const r = document.querySelector(`[data-testid=layer-row][data-digest="${d}"]`);
    return r && /urls failed/.test(r.innerText);
  }, missing);
  assert.match(await row.innerText(), /proxy/i);
  await screenshot(page, 'verify-foreign-missing-1280');
  assert.deepEqual(errors, []);
});
