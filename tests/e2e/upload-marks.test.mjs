// Foreign layers that lost their marks (issue 16): skopeo's docker-archive: of the Windows-like
// fixture writes its two foreign layers as ordinary uncompressed tars, with no LayerSources, so
// nothing in the archive says they are foreign. Pushed without a word, they would go up as
// ordinary layers.
// - The app warns where the foreign-layer panel would be, names the two base layers by their
//   history, and keeps "Verify and push" disabled — nothing is sent — until the warning is
//   acknowledged; then the push goes through, the layers as ordinary ones, as acknowledged.
// - `waybill push` and `waybill load` refuse the same archive (exit 3, nothing sent) without the
//   explicit flag, and push it with --accept-lost-foreign-marks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { launch, screenshot, failOnPageErrors } from './lib/browser.mjs';
import { registryEnv } from './lib/registry.mjs';
import { gunzippedDigest, skopeoRaw, startServeWith } from './lib/pulp.mjs';
import { waybillBin } from './lib/server.mjs';
import { dockerArchive, workDir } from './lib/archives.mjs';
import { dropFile, fillTarget, runEnds } from './lib/upload.mjs';

const FIXTURE = 'fixtures/origin-story:windows-amd64-1.13.0';
let serve, browser, reg, strictHost, archive, image;
const stamp = Date.now();

before(async () => {
  reg = await registryEnv();
  image = reg.fixtures.images[FIXTURE];
  strictHost = reg.REGISTRY_STRICT_URL.replace(/^http:\/\//, '');
  const dir = workDir('upload-marks');
  archive = dockerArchive(reg.host, FIXTURE, path.join(dir, 'windows-docker-archive.tar'));
  serve = await startServeWith(dir, { registryHosts: [reg.host, strictHost] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

async function tagsStatus(repository) {
  return (await fetch(`${reg.REGISTRY_STRICT_URL}/v2/${repository}/tags/list`)).status;
}

test('the app warns that the marks are lost, and Push waits for the acknowledgement', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  failOnPageErrors(page, errors);
  const proxied = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/r/')) proxied.push(`${r.method()} ${r.url()}`); });
  await page.goto(`${serve.origin}/#/upload`);
  await dropFile(page, archive);

  // skopeo dropped the marks: the page sees no foreign layer, and says why that is suspect.
  assert.equal(await page.getByTestId('foreign-panel').count(), 0, 'no layer is foreign by its media type');
  const panel = page.getByTestId('marks-lost-panel');
  await panel.waitFor();
  const text = await panel.innerText();
  assert.match(text, /may have lost their marks/);
  assert.match(text, /windows\(10\.0\.14393\.1066\)\/amd64/);
  assert.match(text, /docker save/);
  assert.match(text, /waybill save/);
  const named = await panel.getByTestId('lost-mark').allInnerTexts();
  assert.equal(named.length, 2, named.join('\n'));
  assert.match(named[0], /layer 1 of 7.*Apply image 10\.0\.14393\.0/s);
  assert.match(named[1], /layer 2 of 7.*Install update 10\.0\.14393\.1066/s);

  const repository = `upload-e2e/marks-${stamp}`;
  await fillTarget(page, 'upload', { registry: strictHost, repository, tag: 'v1' });
  const push = page.getByTestId('push');
  assert.equal(await push.isDisabled(), true, 'Push waits for the acknowledgement');
  assert.match(await page.getByTestId('push-hint').innerText(), /lost foreign-layer marks/);
  await panel.scrollIntoViewIfNeeded();
  await screenshot(page, 'upload-marks-lost-1280');
  assert.deepEqual(proxied, [], 'nothing was sent');

  await page.getByTestId('accept-lost-marks').check();
  assert.equal(await push.isDisabled(), false, 'acknowledged: Push is enabled');
  await push.click();
  const end = await runEnds(page);
  assert.ok(end.ok, end.text);
  // As acknowledged: the base layers went up as ordinary layers, gzip'd like the others.
  const manifest = JSON.parse(skopeoRaw(`${strictHost}/${repository}:v1`));
  assert.equal(manifest.layers.length, image.layers.length);
  for (const layer of manifest.layers) assert.doesNotMatch(layer.mediaType, /foreign|nondistributable/);
  const base = reg.REGISTRY_STRICT_URL;
  const inflated = await Promise.all(manifest.layers.slice(0, 2).map((l) => gunzippedDigest({ base, repository, digest: l.digest })));
  assert.deepEqual(inflated, image.layers.slice(0, 2).map((l) => l.diffId));
  assert.deepEqual(errors, []);
});

test('waybill push and load refuse the archive without the explicit flag, and push it with it', async () => {
  const repository = `upload-e2e/marks-cli-${stamp}`;
  const destination = `${strictHost}/${repository}:v1`;
  const refused = spawnSync(waybillBin(), ['push', archive, destination], { encoding: 'utf8' });
  assert.equal(refused.status, 3, refused.stderr);
  assert.match(refused.stderr, /may have lost their marks/);
  assert.match(refused.stderr, /layer 1 of 7 \(Apply image 10\.0\.14393\.0\)/);
  assert.match(refused.stderr, /nothing was uploaded/);
  assert.match(refused.stderr, /--accept-lost-foreign-marks/);
  assert.equal(await tagsStatus(repository), 404, 'the registry has no such repository');

  const pushed = spawnSync(waybillBin(), ['push', '--accept-lost-foreign-marks', archive, destination], { encoding: 'utf8' });
  assert.equal(pushed.status, 0, pushed.stderr);
  assert.match(pushed.stderr, /warning: pushed as ordinary layers, as accepted/);
  assert.equal(await tagsStatus(repository), 200);

  // waybill load: the image refused in the summary, with the same reason; loaded when accepted.
  const loadTo = `upload-e2e/marks-load-${stamp}`;
  const load = (...flags) => spawnSync(waybillBin(), ['load', ...flags, archive, `${strictHost}/${loadTo}`], { encoding: 'utf8' });
  const refusedLoad = load();
  assert.equal(refusedLoad.status, 3, refusedLoad.stderr);
  assert.match(refusedLoad.stdout, /windows-amd64-1\.13\.0 refused: this windows\(10\.0\.14393\.1066\)\/amd64 image .* may have lost their marks/);
  assert.equal(await tagsStatus(loadTo), 404, 'nothing loaded');
  assert.equal(load('--accept-lost-foreign-marks').status, 0);
  assert.equal(await tagsStatus(loadTo), 200);
});
