// Issue 15's test 3: "Download as archive" on Copy's repository mode writes the chosen tags into
// one OCI-layout archive on disk, as `waybill save` does, foreign blobs included when allowed —
// streamed, every blob verified as it is written, a failure never left as a short archive.
// The source repository is made here, unique per run, in the seeded real distribution registry:
// an image, an index of two platforms, the Windows-like image with two foreign layers, and an
// OCI image with a non-distributable layer.
// Both ways of writing are run in the real Chromium:
// - the save picker (the File System Access API): headless Chromium cannot show the dialog, so
//   `showSaveFilePicker` is answered with a file of the origin-private file system — a real
//   FileSystemFileHandle, written through the same createWritable() stream as a chosen file;
// - the streamed download of the service worker (www/waybill-download-sw.js), which browsers
//   without the picker use: the picker is removed and the browser's own download is saved.
// Each archive is byte for byte the one `waybill save` writes for the same tags; `waybill load`
// of it into the registry gives the source's digests, and `skopeo inspect oci-archive:` reads
// every OCI-typed tag (skopeo 1.9 finds no Docker-typed manifest in a layout's index). A blob the registry serves corrupted fails the download both ways: the picked file
// then holds a note saying so, and the browser marks the streamed download failed.
// Inspect offers the download for its tag. A 512 MiB image downloads with the tab (page and
// workers: JS heap, ArrayBuffers, wasm memories, sampled over DevTools) under 128 MiB.
// Screenshots download-archive-<width>-<theme>.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { readFileSync, writeFileSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { launch, failOnPageErrors } from './lib/browser.mjs';
import { blobFile, copyWithin, ok, putBlob, registryEnv } from './lib/registry.mjs';
import { sha256, skopeoRaw, startServeWith } from './lib/pulp.mjs';
import { workDir } from './lib/archives.mjs';
import { waybillBin } from './lib/server.mjs';
import { checkPage } from './lib/checks.mjs';
import { watchTab } from '../../scripts/bench.d/tab-memory.mjs';

const TAGS = {
  plain: 'fixtures/plain:v1',
  multi: 'fixtures/multi:v1',
  windows: 'fixtures/origin-story:windows-amd64-1.13.0',
  nondist: 'fixtures/oci-nondist:v1',
};
const stamp = Date.now();
const SOURCE = `download-e2e/src-${stamp}`;
const BROKEN = `download-e2e/broken-${stamp}`;
let serve, browser, reg, dir, strictHost, cliArchive;

before(async () => {
  reg = await registryEnv();
  strictHost = reg.REGISTRY_STRICT_URL.replace(/^http:\/\//, '');
  dir = workDir('download-archive');
  for (const [tag, fixture] of Object.entries(TAGS)) {
    const [repository, from] = fixture.split(':');
    await copyWithin(reg.REGISTRY_FOREIGN_URL, repository, from, SOURCE, tag);
  }
  await brokenImage();
  cliArchive = path.join(dir, 'cli.tar');
  execFileSync(waybillBin(), ['save', `${reg.host}/${SOURCE}`, '--allow-foreign-layers', '-o', cliArchive],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  serve = await startServeWith(dir, { registryHosts: [reg.host, strictHost] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

/** An image in the strict registry whose layer's stored bytes are then corrupted on disk: the
 *  registry serves them as they are, and only a client that verifies notices. */
async function brokenImage() {
  const base = reg.REGISTRY_STRICT_URL;
  const layer = await putBlob(base, BROKEN, Buffer.from(`layer of ${stamp}\n`.repeat(4096)));
  const config = await putBlob(base, BROKEN, Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] }, config: {},
  })));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
  });
  await ok(await fetch(`${base}/v2/${BROKEN}/manifests/v1`, {
    method: 'PUT', headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, body: manifest,
  }), 'PUT the broken image');
  const file = blobFile(reg.REGISTRY_STRICT_BLOBS, layer.digest);
  const fd = openSync(file, 'r+');
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, 100);
  byte[0] ^= 0xff;
  writeSync(fd, byte, 0, 1, 100);
  closeSync(fd);
}

/** Answers the save picker with a file of the origin-private file system (no dialog headless). */
function pickerIntoOpfs() {
  window.showSaveFilePicker = async ({ suggestedName }) =>
    (await navigator.storage.getDirectory()).getFileHandle(suggestedName, { create: true });
}

/** Takes the save picker away, as in browsers without it: the streamed download is used. */
function noPicker() {
  delete Window.prototype.showSaveFilePicker;
  delete window.showSaveFilePicker;
}

/** A page on Copy's repository mode listing `repository`'s tags, foreign layers allowed. */
async function copyPage(repository, host, init, width = 1280) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
  await context.addInitScript(init);
  const page = await context.newPage();
  const errors = [];
  failOnPageErrors(page, errors);
  const q = new URLSearchParams({ mode: 'repository', from: `${host}/${repository}`, allow_foreign: '1' });
  await page.goto(`${serve.origin}/#/copy?${q}`);
  await page.getByTestId('download-archive').waitFor();
  return { page, errors, context };
}

/** The file the picker answer wrote, read back from the origin-private file system. */
async function opfsFile(page, name) {
  const base64 = await page.evaluate(async (file) => {
    const handle = await (await navigator.storage.getDirectory()).getFileHandle(file);
    const bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }, name);
  return Buffer.from(base64, 'base64');
}

/** What a reader of the archive finds: `waybill load` into a fresh repository gives the source's
 *  digests, and skopeo's oci-archive: transport reads every OCI-typed tag. (skopeo 1.9's
 *  containers/image names only OCI-typed manifests in a layout's index; Docker-typed tags keep
 *  their Docker manifests, digests unchanged, as `waybill save` does and its CLI test checks.) */
function loadsAndReads(file, what) {
  const loaded = `download-e2e/loaded-${what}-${stamp}`;
  execFileSync(waybillBin(), ['load', file, `${reg.host}/${loaded}`, '--allow-foreign-layers'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let ociTyped = 0;
  for (const [tag, fixture] of Object.entries(TAGS)) {
    const { digest, mediaType } = reg.fixtures.images[fixture].manifest;
    assert.equal(sha256(skopeoRaw(`${reg.host}/${loaded}:${tag}`)), digest, `${tag} loaded with its digest`);
    if (!mediaType.startsWith('application/vnd.oci.')) continue;
    ociTyped += 1;
    const raw = execFileSync('skopeo', ['inspect', '--raw', `oci-archive:${file}:${tag}`], { maxBuffer: 64 << 20 });
    assert.equal(sha256(raw), digest, `skopeo reads ${tag} from the archive`);
  }
  assert.ok(ociTyped > 0, 'skopeo read at least one tag');
}

test('the save picker: the tag set written to the chosen file, the same bytes as waybill save', async () => {
  const { page, errors, context } = await copyPage(SOURCE, reg.host, pickerIntoOpfs);
  await page.getByTestId('mirror-tag').nth(3).waitFor();
  assert.equal(await page.getByTestId('download-archive').innerText(), 'Download 4 tags as archive');
  await page.getByTestId('download-archive').click();
  await page.getByTestId('download-done').waitFor({ timeout: 120_000 });
  assert.match(await page.getByTestId('download-counts').innerText(), /^4 saved, 0 left out/);
  const name = `src-${stamp}-4-tags.tar`;
  const bytes = await opfsFile(page, name);
  assert.equal(sha256(bytes), sha256(readFileSync(cliArchive)), 'byte for byte what waybill save writes');
  const file = path.join(dir, 'picked.tar');
  writeFileSync(file, bytes);
  loadsAndReads(file, 'picked');
  await page.getByTestId('download-panel').scrollIntoViewIfNeeded();
  await checkPage(page, 'download-archive');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the streamed download of browsers without the picker: the same archive, saved by the browser', async () => {
  const { page, errors, context } = await copyPage(SOURCE, reg.host, noPicker);
  await page.getByTestId('mirror-tag').nth(3).waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-archive').click()]);
  assert.equal(download.suggestedFilename(), `src-${stamp}-4-tags.tar`);
  const file = path.join(dir, 'streamed.tar');
  await download.saveAs(file);
  assert.equal(await download.failure(), null);
  await page.getByTestId('download-done').waitFor();
  assert.equal(sha256(readFileSync(file)), sha256(readFileSync(cliArchive)), 'byte for byte what waybill save writes');
  loadsAndReads(file, 'streamed');
  assert.deepEqual(errors, []);
  await context.close();
});

test('without "Allow foreign layers" the tags with foreign layers are left out, and said so', async () => {
  const { page, context } = await copyPage(SOURCE, reg.host, pickerIntoOpfs);
  await page.getByTestId('mirror-tag').nth(3).waitFor();
  await page.getByTestId('mirror-allow-foreign').uncheck();
  await page.getByTestId('download-archive').click();
  await page.getByTestId('download-done').waitFor({ timeout: 120_000 });
  assert.match(await page.getByTestId('download-counts').innerText(), /^2 saved, 2 left out/);
  const leftOut = await page.getByTestId('download-left-out').allInnerTexts();
  assert.equal(leftOut.length, 2);
  assert.match(leftOut.join('\n'), /:nondist — refused: .*foreign/);
  assert.match(leftOut.join('\n'), /:windows — refused: .*foreign/);
  const bytes = await opfsFile(page, `src-${stamp}-4-tags.tar`);
  const file = path.join(dir, 'no-foreign.tar');
  writeFileSync(file, bytes);
  const index = JSON.parse(execFileSync('tar', ['-xOf', file, 'index.json'], { encoding: 'utf8' }));
  const names = index.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name']).sort();
  assert.deepEqual(names, ['multi', 'plain']);
  await context.close();
});

test('a blob served corrupted fails the download both ways: never a short archive', async () => {
  const picked = await copyPage(BROKEN, strictHost, pickerIntoOpfs);
  await picked.page.getByTestId('mirror-tag').first().waitFor();
  await picked.page.getByTestId('download-archive').click();
  await picked.page.getByTestId('download-failed').waitFor({ timeout: 120_000 });
  assert.match(await picked.page.getByTestId('download-failed').innerText(), /sha256|digest/i);
  const note = (await opfsFile(picked.page, 'broken-' + stamp + '-v1.tar')).toString('utf8');
  assert.match(note, /^Waybill: this download FAILED and is not an image archive\./);
  await picked.context.close();

  const streamed = await copyPage(BROKEN, strictHost, noPicker);
  await streamed.page.getByTestId('mirror-tag').first().waitFor();
  const [download] = await Promise.all([streamed.page.waitForEvent('download'), streamed.page.getByTestId('download-archive').click()]);
  assert.notEqual(await download.failure(), null, 'the browser marks the download failed');
  await streamed.page.getByTestId('download-failed').waitFor();
  await streamed.context.close();
});

test('closing the save dialog without a file is no failure', async () => {
  const declined = () => {
    window.showSaveFilePicker = async () => { throw new DOMException('The user aborted a request.', 'AbortError'); };
  };
  const { page, errors, context } = await copyPage(SOURCE, reg.host, declined);
  await page.getByTestId('mirror-tag').nth(3).waitFor();
  const asked = page.waitForEvent('console', (m) => m.text() === 'asked');
  await page.evaluate(() => {
    const dismiss = window.showSaveFilePicker;
    window.showSaveFilePicker = (...args) => { console.log('asked'); return dismiss(...args); };
  });
  await page.getByTestId('download-archive').click();
  await asked;
  await page.waitForFunction(() => !document.querySelector('[data-testid=download-archive]').disabled);
  assert.equal(await page.getByTestId('download-failed').count(), 0, 'no failure shown');
  assert.equal(await page.getByTestId('download-progress').count(), 0, 'nothing being written');
  assert.deepEqual(errors, []);
  await context.close();
});

test('Inspect offers its tag for download, on Copy with that tag chosen', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${serve.origin}/#/inspect?${new URLSearchParams({ ref: `${reg.host}/${SOURCE}:plain` })}`);
  await page.getByTestId('download-link').click();
  await page.getByTestId('mirror-tag').first().waitFor();
  assert.equal(await page.getByTestId('mirror-tag').count(), 1);
  assert.equal(await page.getByTestId('download-archive').innerText(), 'Download 1 tag as archive');
  await page.close();
});

test('a 512 MiB image downloads with the tab under 128 MiB', async () => {
  // One 512 MiB layer of AES-CTR keystream (incompressible, the same every run), pushed as it is.
  const repository = `download-e2e/big-${stamp}`;
  const base = reg.REGISTRY_FOREIGN_URL;
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 9), Buffer.alloc(16, 0));
  const layer = await putBlob(base, repository, cipher.update(Buffer.alloc(512 << 20)));
  const config = await putBlob(base, repository, Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] }, config: {},
  })));
  await ok(await fetch(`${base}/v2/${repository}/manifests/v1`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    body: JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    }),
  }), 'PUT the big image');

  const { page, errors, context } = await copyPage(repository, reg.host, pickerIntoOpfs);
  await page.getByTestId('mirror-tag').first().waitFor();
  const tab = await watchTab(browser);
  await page.getByTestId('download-archive').click();
  await page.getByTestId('download-done').waitFor({ timeout: 300_000 });
  const { peak } = await tab.stop();
  const wasm = peak.wasm.reduce((sum, m) => sum + m.bytes, 0);
  const mib = (peak.sum + wasm) / (1 << 20);
  console.log(`download of 512 MiB: the tab peaked at ${mib.toFixed(1)} MiB`);
  assert.ok(mib < 128, `the tab peaked at ${mib.toFixed(1)} MiB (JS heap ${peak.js}, ArrayBuffers ${peak.backing}, wasm ${wasm})`);
  const size = await page.evaluate(async (name) => {
    const dir = await navigator.storage.getDirectory();
    const bytes = (await (await dir.getFileHandle(name)).getFile()).size;
    await dir.removeEntry(name);
    return bytes;
  }, `big-${stamp}-v1.tar`);
  assert.ok(size > 512 << 20, `the archive holds the layer (${size} bytes)`);
  assert.deepEqual(errors, []);
  await context.close();
});
