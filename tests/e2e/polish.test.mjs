// The small defects of issue 16 and the tab's history, against the real registry:
// - a config blob shows no "0.0 MB/s"; the blob count says it counts layers and the config, beside
//   a summary that counts layers; no Cancel is left once a verify, push or copy has ended;
// - the foreign-layer panel words a Linux image's non-distributable layers as what they are, and
//   keeps the Windows story for the Windows image;
// - "Recent" shows the reference just read, not one navigation behind;
// - every copy button is labelled with what it copies; Push and Copy come before their options
//   in Tab order;
// - pushes and copies are listed for the tab (digest, target, pull command) from sessionStorage,
//   which holds no login.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launch, failOnPageErrors } from './lib/browser.mjs';
import { registryEnv } from './lib/registry.mjs';
import { sha256, startServeWith } from './lib/pulp.mjs';
import { dockerArchive, workDir } from './lib/archives.mjs';
import { dropFile, fillTarget, runEnds, signIn } from './lib/upload.mjs';

let serve, browser, reg, dir, strictHost;
const stamp = Date.now();

before(async () => {
  reg = await registryEnv();
  strictHost = reg.REGISTRY_STRICT_URL.replace(/^http:\/\//, '');
  dir = workDir('polish');
  serve = await startServeWith(dir, { registryHosts: [reg.host, strictHost] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

async function open(hash) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  failOnPageErrors(page, errors);
  await page.goto(`${serve.origin}/#/${hash}`);
  return { page, errors };
}
const inspect = (ref) => `inspect?${new URLSearchParams({ ref })}`;

/** Every copy button on the page is named "Copy <what>", not just "Copy". */
async function assertCopyLabels(page) {
  const labels = await page.getByTestId('copy-button').evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label')));
  assert.ok(labels.length > 0, 'the page has copy buttons');
  for (const label of labels) assert.match(label ?? '', /^Copy \w+/, `a copy button labelled with what it copies: ${label}`);
}

test('Verify: no rate for the config, blobs counted as layers and config, no Cancel after the end', async () => {
  const image = reg.fixtures.images['fixtures/plain:v1'];
  const { page, errors } = await open(inspect(`${reg.host}/fixtures/plain:v1`));
  await page.getByTestId('verify-all').click();
  const overall = page.getByTestId('verify-overall').filter({ hasText: 'blobs verified' });
  await overall.waitFor({ timeout: 60_000 });
  const layers = image.layers.length;
  assert.match(await overall.innerText(), new RegExp(`all ${layers + 1} blobs verified \\(${layers} layers and the config\\)`));
  const config = page.locator('.config-check');
  assert.match(await config.innerText(), /verified/);
  assert.doesNotMatch(await config.innerText(), /MB\/s/, 'a config of a few hundred bytes has no rate worth showing');
  assert.doesNotMatch(await page.locator('main').innerText(), /0\.0 MB\/s/);
  assert.equal(await page.getByTestId('verify-cancel').count(), 0, 'no Cancel once verification ended');
  await assertCopyLabels(page);
  assert.deepEqual(errors, []);
});

/** Pushes `bytes` to `base` (http://host:port) as a blob of `repository`; returns its descriptor. */
async function pushBlob(base, repository, bytes, mediaType) {
  const digest = sha256(bytes);
  const start = await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  assert.equal(start.status, 202, `POST upload: ${start.status}`);
  const location = new URL(start.headers.get('location'), base);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: bytes, headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(put.status, 201, `PUT blob: ${put.status}`);
  return { mediaType, digest, size: bytes.length };
}

/**
 * A Linux image whose one layer is OCI non-distributable zstd, written straight to the registry
 * with plain HTTP (no fixture has one): the case the panel used to tell as a Windows image.
 */
async function linuxNondistImage(base, repository) {
  const layer = await pushBlob(base, repository, Buffer.from(`linux zstd layer ${stamp}`), 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd');
  const config = await pushBlob(base, repository, Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] },
  })), 'application/vnd.oci.image.config.v1+json');
  const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [{ ...layer, urls: ['https://example.com/layer'] }] };
  const res = await fetch(`${base}/v2/${repository}/manifests/v1`, {
    method: 'PUT', body: JSON.stringify(manifest), headers: { 'Content-Type': manifest.mediaType },
  });
  assert.equal(res.status, 201, `PUT manifest: ${res.status} ${await res.text()}`);
}

test('the foreign-layer panel words the image by its OS and media types', async () => {
  const repository = `polish/linux-nondist-${stamp}`;
  await linuxNondistImage(reg.REGISTRY_STRICT_URL, repository);
  const { page, errors } = await open(inspect(`${strictHost}/${repository}:v1`));
  const why = page.getByTestId('foreign-why');
  await why.waitFor();
  const linux = await why.innerText();
  assert.doesNotMatch(linux, /Windows|Microsoft/, linux);
  assert.match(linux, /linux\/amd64/);
  assert.match(linux, /application\/vnd\.oci\.image\.layer\.nondistributable\.v1\.tar\+zstd/);

  const origin = reg.fixtures.images['fixtures/origin-story:windows-amd64-1.13.0'];
  await page.goto(`${serve.origin}/#/${inspect(`${reg.host}/${origin.repository}:${origin.tag}`)}`);
  await page.getByTestId('foreign-panel').waitFor();
  assert.match(await page.getByTestId('foreign-why').innerText(), /Windows base images/);
  assert.deepEqual(errors, []);
});

test('"Recent" lists the reference just read, at once', async () => {
  const { page, errors } = await open(inspect(`${reg.host}/fixtures/plain:v1`));
  await page.getByTestId('layer-row').first().waitFor();
  const history = page.getByTestId('history');
  await history.getByRole('button', { name: `${reg.host}/fixtures/plain:v1` }).waitFor({ timeout: 5_000 });
  await page.goto(`${serve.origin}/#/${inspect(`${reg.host}/fixtures/big:v1`)}`);
  await page.getByTestId('layer-row').first().waitFor();
  await history.getByRole('button', { name: `${reg.host}/fixtures/big:v1` }).waitFor({ timeout: 5_000 });
  const chips = await history.getByRole('button').allInnerTexts();
  assert.equal(chips[0], `${reg.host}/fixtures/big:v1`, `newest first: ${chips.join(', ')}`);
  assert.deepEqual(errors, []);
});

test('Upload and Copy: Tab reaches the action before its options, no Cancel after the end, the tab history', async () => {
  const archive = dockerArchive(reg.host, 'fixtures/plain:v1', path.join(dir, 'plain.tar'));
  const { page, errors } = await open('upload');
  await page.getByTestId('drop-zone').waitFor();
  await dropFile(page, archive);
  const repository = `polish/history-${stamp}`;
  await fillTarget(page, 'upload', { registry: strictHost, repository, tag: 'v1' });
  // A login this registry does not need, so that we can tell it never reaches sessionStorage.
  const secret = `not-stored-${stamp}`;
  await signIn(page.getByTestId('upload-target'), strictHost, 'someone', secret);

  // From the tag, Tab reaches Push before the chunk size.
  await page.locator('#upload-target-tag').focus();
  let reached;
  for (let i = 0; i < 10 && !reached; i += 1) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => (document.activeElement?.dataset.testid === 'push' ? 'push'
      : document.activeElement?.id === 'chunk-size' ? 'chunk size' : undefined));
  }
  assert.equal(reached, 'push', 'Push comes before the chunk size');

  await page.getByTestId('push').click();
  const pushed = await runEnds(page);
  assert.ok(pushed.ok, pushed.text);
  assert.equal(await page.getByTestId('cancel').count(), 0, 'no Cancel once the push ended');
  assert.doesNotMatch(await page.getByTestId('upload-progress').innerText(), /0\.0 MB\/s/);
  await assertCopyLabels(page);

  // Copy the pushed image on, in the same tab.
  await page.goto(`${serve.origin}/#/copy?${new URLSearchParams({ from: `${strictHost}/${repository}:v1` })}`);
  await page.getByTestId('layer-row').first().waitFor();
  await fillTarget(page, 'copy', { registry: strictHost, repository: `${repository}-copy`, tag: 'v2' });
  await page.locator('#copy-target-tag').focus();
  reached = undefined;
  for (let i = 0; i < 10 && !reached; i += 1) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => (document.activeElement?.dataset.testid === 'copy' ? 'copy'
      : document.activeElement?.id === 'copy-chunk-size' ? 'chunk size' : undefined));
  }
  assert.equal(reached, 'copy', 'Copy comes before the chunk size');
  await page.getByTestId('copy').click();
  const copied = await runEnds(page);
  assert.ok(copied.ok, copied.text);
  assert.equal(await page.getByTestId('cancel').count(), 0, 'no Cancel once the copy ended');

  // Both, newest first, with digest, target and pull command.
  const entries = page.getByTestId('history-entry');
  assert.equal(await entries.count(), 2);
  const [copyText, pushText] = await entries.allInnerTexts();
  assert.match(copyText, new RegExp(`Copy[\\s\\S]*${strictHost}/${repository}-copy:v2[\\s\\S]*${copied.digest}`));
  assert.match(pushText, new RegExp(`Push[\\s\\S]*${strictHost}/${repository}:v1[\\s\\S]*${pushed.digest}`));
  assert.equal(await entries.nth(1).getByTestId('history-pull').innerText(), `docker pull ${strictHost}/${repository}@${pushed.digest}`);

  // Kept in sessionStorage, without the login; still there after a reload, on the other page too.
  const stored = await page.evaluate(() => JSON.stringify(Object.fromEntries(Object.entries(sessionStorage))));
  assert.match(stored, /waybill\.transfers/);
  assert.ok(!stored.includes(secret), 'no password in sessionStorage');
  await page.goto(`${serve.origin}/#/upload`);
  await page.reload();
  await page.getByTestId('transfer-history').waitFor();
  assert.equal(await page.getByTestId('history-entry').count(), 2);
  assert.deepEqual(errors, []);
});
