// Upload into the real Pulp: a docker-archive with two foreign layers (skopeo's archive of the
// origin-story fixture, given `LayerSources` and the foreign blobs as `docker save` writes them)
// is dropped onto the page. With "Allow foreign layers" off, the rejection panel names both
// foreign layers and nothing at all is sent — no request leaves the page for the proxy, and Pulp's
// REST API shows no new repository or blob. With it on, the push succeeds: skopeo reads back the
// manifest digest the page showed, with the foreign layers' urls kept, and every blob pulled back
// from Pulp verifies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launch, screenshot, failOnPageErrors } from './lib/browser.mjs';
import { registryEnv } from './lib/registry.mjs';
import { pullBackAndCheck, pulpCounts, pulpEnv, pulpRepositories, sha256, skopeoRaw, startServeWith } from './lib/pulp.mjs';
import { dockerArchive, withLayerSources, workDir } from './lib/archives.mjs';
import { dropFile, fillTarget, runEnds, signIn } from './lib/upload.mjs';

let serve, browser, reg, pulp, image, archive, page, errors;
const proxied = [];
const repository = `upload-e2e/origin-story-${Date.now()}`;

before(async () => {
  reg = await registryEnv();
  pulp = await pulpEnv();
  image = reg.fixtures.images['fixtures/origin-story:windows-amd64-1.13.0'];
  const dir = workDir('upload-pulp');
  const skopeo = dockerArchive(reg.host, 'fixtures/origin-story:windows-amd64-1.13.0', path.join(dir, 'skopeo.tar'));
  archive = await withLayerSources(skopeo, path.join(dir, 'origin-story.tar'), reg.REGISTRY_FOREIGN_URL, image);
  serve = await startServeWith(dir, { registryHosts: [reg.host], pulp });
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  errors = [];
  failOnPageErrors(page, errors);
  page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/r/')) proxied.push(`${r.method()} ${r.url()}`); });
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

const foreign = () => image.layers.filter((l) => l.foreign);

test('foreign layers not allowed: the rejection panel names both, and nothing is sent', async () => {
  await page.goto(`${serve.origin}/#/upload`);
  const before = await pulpCounts(pulp);
  await dropFile(page, archive);

  // The archive's view: 7 layers, the two foreign ones flagged and present in the archive.
  const rows = page.getByTestId('layer-row');
  assert.equal(await rows.count(), 7);
  for (const layer of foreign()) {
    const row = page.locator(`[data-testid=layer-row][data-digest="${layer.digest}"]`);
    assert.match(await row.innerText(), /FOREIGN/);
    assert.equal(await row.getByTestId('presence').innerText(), 'present in archive');
  }

  await fillTarget(page, 'upload', { registry: pulp.host, repository, tag: 'v1' });
  await signIn(page.getByTestId('upload-target'), pulp.host, pulp.PULP_USER, pulp.PULP_PASSWORD);

  const panel = page.getByTestId('rejection-panel');
  await panel.waitFor();
  const named = await panel.getByTestId('rejected-layer').evaluateAll((li) => li.map((l) => l.dataset.digest));
  assert.deepEqual(named.sort(), foreign().map((l) => l.digest).sort());
  const text = await panel.innerText();
  for (const layer of foreign()) {
    assert.ok(text.includes(layer.mediaType), 'media type shown');
    assert.ok(text.includes(`${layer.size} bytes`), 'size shown');
    for (const url of layer.urls) assert.ok(text.includes(url), `url ${url} shown`);
  }
  assert.match(text, /Allow foreign layers/);
  assert.equal(await page.getByTestId('push').count(), 0, 'no Push button while refused');
  await panel.scrollIntoViewIfNeeded();
  await screenshot(page, 'upload-rejected-1280');

  assert.deepEqual(proxied, [], 'not a single request went through the proxy');
  assert.deepEqual(await pulpCounts(pulp), before, "Pulp's repositories and blobs are unchanged");
  assert.equal(await pulpRepositories(pulp, repository), 0);
});

test('foreign layers allowed: pushed, same digest through skopeo, urls kept, every blob verifies', async () => {
  await page.getByLabel(/^Allow foreign layers/).check();
  await page.getByTestId('push').click();
  const end = await runEnds(page);
  assert.ok(end.ok, end.text);

  // Verified first, in the hashing workers: the config and all 7 layer files.
  assert.equal(await page.getByTestId('hashed-file').count(), 8);
  const raw = skopeoRaw(`${pulp.host}/${repository}:v1`, `${pulp.PULP_USER}:${pulp.PULP_PASSWORD}`);
  assert.equal(sha256(raw), end.digest, 'skopeo reads the manifest the page pushed');
  const manifest = JSON.parse(raw.toString('utf8'));
  for (const layer of foreign()) {
    const pushed = manifest.layers.find((l) => l.digest === layer.digest);
    assert.ok(pushed, `foreign layer ${layer.digest} in the manifest`);
    assert.equal(pushed.mediaType, layer.mediaType);
    assert.deepEqual(pushed.urls, layer.urls, 'urls kept');
  }
  await pullBackAndCheck({ base: pulp.PULP_URL, auth: pulp.auth, repository, reference: 'v1', creds: `${pulp.PULP_USER}:${pulp.PULP_PASSWORD}` });

  // Pulp's REST API, read through the proxy, gives what a person uses: the distribution's base
  // path and pull command, the repository and its version, and the pulp-cli command that shows it.
  await page.getByTestId('pulp-links').waitFor();
  assert.equal(await page.getByTestId('pulp-repository').innerText(), repository);
  assert.match(await page.getByTestId('pulp-version').innerText(), /^\d+$/);
  assert.equal(await page.getByTestId('pulp-distribution').innerText(), repository);
  assert.equal(await page.getByTestId('pulp-pull').innerText(), `docker pull ${pulp.host}/${repository}:v1`);
  assert.equal(await page.getByTestId('pulp-cli').innerText(), `pulp container repository show --name ${repository}`);
  assert.equal(await page.getByTestId('pulp-links').locator('a').count(), 0, 'no raw REST URL behind a login prompt');
  assert.match(await page.getByTestId('pull-command').innerText(), new RegExp(`${pulp.host}/${repository}@${end.digest}`));

  await page.getByTestId('result').scrollIntoViewIfNeeded();
  await screenshot(page, 'upload-pushed-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'upload-pushed-390');
  assert.deepEqual(errors, []);
});
