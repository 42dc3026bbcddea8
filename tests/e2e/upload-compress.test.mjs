// Upload compresses a docker-save archive's plain layers while it pushes them, as docker push and
// skopeo do (issue 16):
// - by default with gzip: the real distribution serves the manifest the page showed (read with
//   skopeo), every blob verifies, each layer gunzips (Node's zlib) to the diff ID skopeo saved, and
//   the result names each layer's new digest; pushed again, the registry's layers are reused and
//   nothing is uploaded, and the manifest is the same;
// - with zstd: an OCI manifest (Docker has no zstd layer type) whose layers the system's `zstd`
//   reads back to the diff IDs;
// - "As stored" keeps the tars, their digests the diff IDs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { launch, screenshot, failOnPageErrors } from './lib/browser.mjs';
import { registryEnv } from './lib/registry.mjs';
import { gunzippedDigest, pullBackAndCheck, sha256, skopeoRaw, startServeWith } from './lib/pulp.mjs';
import { dockerArchive, workDir } from './lib/archives.mjs';
import { chooseCompression, fillTarget, pickFile, runEnds } from './lib/upload.mjs';

const FIXTURE = 'fixtures/plain:v1';
let serve, browser, reg, dir, strictHost, archive, image;
const stamp = Date.now();

before(async () => {
  reg = await registryEnv();
  image = reg.fixtures.images[FIXTURE];
  strictHost = reg.REGISTRY_STRICT_URL.replace(/^http:\/\//, '');
  dir = workDir('upload-compress');
  archive = dockerArchive(reg.host, FIXTURE, path.join(dir, 'plain-docker-archive.tar'));
  serve = await startServeWith(dir, { registryHosts: [strictHost] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

/** Pushes the archive from Upload with `compression` to `repository:tag`; returns how it ended
 *  and the upload requests the page made. */
async function push(repository, tag, compression) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  failOnPageErrors(page, errors);
  const uploads = [];
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/blobs/uploads/')) uploads.push(r.url()); });
  await page.goto(`${serve.origin}/#/upload`);
  await pickFile(page, archive);
  if (compression) await chooseCompression(page, compression);
  await fillTarget(page, 'upload', { registry: strictHost, repository, tag });
  await page.getByTestId('push').click();
  const end = await runEnds(page);
  assert.ok(end.ok, end.text);
  assert.deepEqual(errors, []);
  return { page, end, uploads };
}

/** The image as the registry holds it: skopeo's manifest (its digest the page's), every blob
 *  verified. */
async function readBack(repository, tag, end) {
  const raw = skopeoRaw(`${strictHost}/${repository}:${tag}`);
  assert.equal(sha256(raw), end.digest, 'skopeo reads the manifest the page pushed');
  const { manifest } = await pullBackAndCheck({ base: reg.REGISTRY_STRICT_URL, repository, reference: tag });
  assert.equal(manifest.config.digest, image.config.digest, 'the config is pushed as saved');
  return manifest;
}

test('plain layers go up gzip\'d by default, say their new digests, and a second push sends nothing', async () => {
  const repository = `upload-e2e/compress-${stamp}`;
  const { page, end } = await push(repository, 'v1');
  const manifest = await readBack(repository, 'v1', end);
  assert.equal(manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  const result = await page.getByTestId('result').innerText();
  for (const [i, layer] of manifest.layers.entries()) {
    assert.equal(layer.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
    const diffId = image.layers[i].diffId;
    assert.notEqual(layer.digest, diffId);
    assert.equal(await gunzippedDigest({ base: reg.REGISTRY_STRICT_URL, repository, digest: layer.digest }), diffId);
    assert.ok(result.includes(`${diffId} → ${layer.digest}`), `the result names the new digest: ${result}`);
  }
  await page.getByTestId('result').scrollIntoViewIfNeeded();
  await screenshot(page, 'upload-compressed-1280');
  await page.close();

  const again = await push(repository, 'v1');
  assert.equal(again.end.digest, end.digest, 'the same manifest');
  assert.deepEqual(again.uploads, [], 'nothing uploaded: the registry\'s gzip\'d layers are reused');
  assert.match(await again.page.getByTestId('result').innerText(), /already/);
  await again.page.close();
});

test('zstd gives an OCI manifest whose layers zstd reads back; as stored keeps the tars', async () => {
  const repository = `upload-e2e/compress-zstd-${stamp}`;
  const zstd = await push(repository, 'zstd', 'zstd');
  const manifest = await readBack(repository, 'zstd', zstd.end);
  assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  for (const [i, layer] of manifest.layers.entries()) {
    assert.equal(layer.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    const blob = Buffer.from(await (await fetch(`${reg.REGISTRY_STRICT_URL}/v2/${repository}/blobs/${layer.digest}`)).arrayBuffer());
    const file = path.join(dir, `layer-${i}.zst`);
    writeFileSync(file, blob);
    assert.equal(sha256(execFileSync('zstd', ['-dc', file])), image.layers[i].diffId, 'the system zstd reads it back');
  }
  await zstd.page.close();

  const stored = await push(repository, 'stored', 'none');
  const tars = await readBack(repository, 'stored', stored.end);
  assert.deepEqual(tars.layers.map((l) => l.digest), image.layers.map((l) => l.diffId));
  assert.ok(tars.layers.every((l) => l.mediaType === 'application/vnd.docker.image.rootfs.diff.tar'));
  await stored.page.close();
});
