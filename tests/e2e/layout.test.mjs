// Every page at 390 px (a phone) and at 1280 px, in the light and the dark theme, through the
// Inspect, Verify, Upload, Copy and error flows against the real registry (issue 16):
// - at 390 px, document.documentElement.scrollWidth <= 390 — the corrupt-archive panel with a
//   64-character file name, the result's digests, media types and pull commands included;
// - prefers-color-scheme: dark gives a dark page (computed background), light a light one;
// - axe-core, injected into the page, finds no serious or critical violation;
// - screenshots of each (target/e2e/<page>-<width>-<theme>.png), for a person to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { renameSync } from 'node:fs';
import path from 'node:path';
import { launch, failOnPageErrors } from './lib/browser.mjs';
import { registryEnv } from './lib/registry.mjs';
import { startServeWith } from './lib/pulp.mjs';
import { corruptMember, dockerArchive, workDir } from './lib/archives.mjs';
import { dropFile, fillTarget, runEnds } from './lib/upload.mjs';
import { checkPage } from './lib/checks.mjs';

let serve, browser, reg, dir, strictHost, plainArchive, corruptArchive;
const stamp = Date.now();
// The browser's own reports of a registry's 404 (an error state asks for what is not there).
const expected404 = (e) => /status of 404/.test(e);

before(async () => {
  reg = await registryEnv();
  strictHost = reg.REGISTRY_STRICT_URL.replace(/^http:\/\//, '');
  dir = workDir('layout');
  serve = await startServeWith(dir, { registryHosts: [reg.host, strictHost] });
  browser = await launch();
  plainArchive = dockerArchive(reg.host, 'fixtures/plain:v1', path.join(dir, 'plain.tar'));
  // A 64-character file name (no spaces) and one byte of its first layer flipped.
  const name = `${'corrupted-archive-with-a-long-name-'.padEnd(60, 'x')}.tar`;
  assert.equal(name.length, 64);
  corruptArchive = dockerArchive(reg.host, 'fixtures/plain:v1', path.join(dir, 'tmp.tar'));
  const manifest = JSON.parse(execFileSync('tar', ['-xOf', corruptArchive, 'manifest.json'], { encoding: 'utf8' }));
  corruptMember(corruptArchive, manifest[0].Layers[0]);
  renameSync(corruptArchive, path.join(dir, name));
  corruptArchive = path.join(dir, name);
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

for (const width of [390, 1280]) {
  async function open(hash) {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    const errors = [];
    failOnPageErrors(page, errors);
    await page.goto(`${serve.origin}/#/${hash}`);
    return { page, errors };
  }
  const inspect = (ref) => `inspect?${new URLSearchParams({ ref })}`;

  test(`${width} px: Inspect — the landing page, an image with foreign layers, Verify, an error`, async () => {
    const { page, errors } = await open('inspect');
    await page.locator('[data-testid=examples], [data-testid=reachable-registries], [data-testid=no-registries]').first().waitFor();
    await checkPage(page, 'layout-landing');

    const origin = reg.fixtures.images['fixtures/origin-story:windows-amd64-1.13.0'];
    await page.goto(`${serve.origin}/#/${inspect(`${reg.host}/${origin.repository}:${origin.tag}`)}`);
    await page.getByTestId('foreign-panel').waitFor();
    await page.getByTestId('layer-row').first().waitFor();
    await checkPage(page, 'layout-inspect-foreign');

    await page.goto(`${serve.origin}/#/${inspect(`${reg.host}/fixtures/plain:v1`)}`);
    await page.getByTestId('verify-all').click();
    await page.getByTestId('verify-overall').filter({ hasText: 'blobs verified' }).waitFor({ timeout: 60_000 });
    await checkPage(page, 'layout-verify');

    await page.goto(`${serve.origin}/#/${inspect(`${reg.host}/fixtures/no-such-repository-${stamp}:v1`)}`);
    await page.getByTestId('problem').waitFor();
    await checkPage(page, 'layout-error');
    assert.deepEqual(errors.filter((e) => !expected404(e)), []);
  });

  test(`${width} px: Upload — a corrupted archive with a 64-character name, then a push`, async () => {
    const { page, errors } = await open('upload');
    await page.getByTestId('drop-zone').waitFor();
    await checkPage(page, 'layout-upload-empty');

    await dropFile(page, corruptArchive);
    await fillTarget(page, 'upload', { registry: strictHost, repository: `layout/corrupt-${width}-${stamp}`, tag: 'v1' });
    await checkPage(page, 'layout-upload-opened');
    await page.getByTestId('push').click();
    const failed = await runEnds(page);
    assert.equal(failed.ok, false, 'the corrupted archive is refused');
    await page.getByTestId('failed-blob').first().waitFor();
    await checkPage(page, 'layout-upload-corrupt');

    // A fresh page for the next file: dropFile waits for the archive panel, which the last file left.
    await page.reload();
    await dropFile(page, plainArchive);
    await fillTarget(page, 'upload', { registry: strictHost, repository: `layout/plain-${width}-${stamp}`, tag: 'v1' });
    await page.getByTestId('push').click();
    const end = await runEnds(page);
    assert.ok(end.ok, end.text);
    await checkPage(page, 'layout-upload-result');
    assert.deepEqual(errors, []);
  });

  test(`${width} px: Copy — the source, the result`, async () => {
    const { page, errors } = await open(`copy?${new URLSearchParams({ from: `${reg.host}/fixtures/plain:v1` })}`);
    await page.getByTestId('layer-row').first().waitFor();
    await fillTarget(page, 'copy', { registry: strictHost, repository: `layout/copy-${width}-${stamp}`, tag: 'v1' });
    await checkPage(page, 'layout-copy');
    await page.getByTestId('copy').click();
    const end = await runEnds(page);
    assert.ok(end.ok, end.text);
    await checkPage(page, 'layout-copy-result');
    assert.deepEqual(errors, []);
  });
}
