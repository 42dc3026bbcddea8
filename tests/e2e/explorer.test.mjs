// The Files view and the Diff page (issue 14, browser): the built app, served by `waybill serve`,
// reads the explorer fixtures' layers from the real distribution registry through the proxy (and
// from a skopeo-written archive dropped on Upload) in its explorer worker, with the core's tar
// reader, merged view and diff. What the fixture generator recorded — each layer's entries, the
// merged views, the expected diff, each file's sha256 — is the independent truth.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { launch, screenshot, failOnPageErrors } from './lib/browser.mjs';
import { startServe } from './lib/server.mjs';
import { registryEnv, serveConfig } from './lib/registry.mjs';
import { dockerArchive, workDir } from './lib/archives.mjs';
import { pickFile } from './lib/upload.mjs';

let serve, browser, reg, images, dir;

before(async () => {
  reg = await registryEnv();
  images = reg.fixtures.explorer.images;
  dir = workDir('explorer');
  serve = await startServe(['--config', serveConfig(reg.host)]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

const refOf = (name) => `${reg.host}/${images[name].repository}:${images[name].tag}`;
const inspectUrl = (name) => `${serve.origin}/#/inspect?${new URLSearchParams({ ref: refOf(name) })}`;
const sha256 = (text) => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
const sorted = (list) => [...list].sort();

async function openPage(url, width = 1280) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors = [];
  failOnPageErrors(page, errors);
  if (url) await page.goto(url);
  return { page, errors };
}

/** Shows `view` ("merged" or a layer number) of the Files panel in `scope`, waiting for the end. */
async function listFiles(page, view, scope = page) {
  const files = scope.getByTestId('files');
  await files.waitFor({ timeout: 60_000 });
  await files.getByTestId('files-view').selectOption(String(view));
  const status = files.getByTestId('files-status');
  // The first listing is asked for; after it, choosing another view lists it at once.
  if ((await status.getAttribute('data-state')) === 'idle') await files.getByTestId('files-list').click();
  await files.locator(`[data-testid=files-status][data-view="${view}"]:not([data-state=running])`).waitFor({ timeout: 60_000 });
  const text = await status.innerText();
  assert.equal(await status.getAttribute('data-state'), 'done', `the listing ended: ${text}`);
  return files;
}

/** Types `text` in the search of the Files panel `files`, and waits for the rows that answer it
 * (the explorer worker holds the listing and sends them a moment later). */
async function search(files, text) {
  await files.getByTestId('files-search').fill(text);
  await files.locator(`[data-testid=files-table][data-search="${text}"]`).waitFor({ timeout: 30_000 });
}

/** The rows drawn, as "path type layer". */
async function rows(files) {
  return files.getByTestId('file-row').evaluateAll((trs) =>
    trs.map((tr) => `${tr.dataset.path} ${tr.dataset.type} ${tr.dataset.layer}`));
}

test("a layer's files, a search by piece and by pattern, and a text file's preview equal the fixture's", async () => {
  const name = 'fixtures/explorer-whiteout:v1';
  const image = images[name];
  const { page, errors } = await openPage(inspectUrl(name));
  for (const [i, layer] of image.layers.entries()) {
    const files = await listFiles(page, i + 1);
    const expected = layer.files.map((f) => `${f.path} ${f.type} ${i + 1}`);
    assert.deepEqual(sorted(await rows(files)), sorted(expected), `layer ${i + 1}'s entries`);
  }

  const files = await listFiles(page, 1);
  await search(files, 'DOC/');
  const doc = image.layers[0].files.filter((f) => f.path.includes('doc/')).map((f) => `${f.path} ${f.type} 1`);
  assert.ok(doc.length >= 3);
  assert.deepEqual(sorted(await rows(files)), sorted(doc), 'a piece of the path, any case');
  await search(files, '*.txt');
  const txt = image.layers[0].files.filter((f) => f.path.endsWith('.txt')).map((f) => `${f.path} ${f.type} 1`);
  assert.deepEqual(sorted(await rows(files)), sorted(txt), 'a pattern on the file name');
  await search(files, 'opt/**');
  const opt = image.layers[0].files.filter((f) => f.path.startsWith('opt/')).map((f) => `${f.path} ${f.type} 1`);
  assert.deepEqual(sorted(await rows(files)), sorted(opt), 'a pattern on the whole path');

  await search(files, 'etc/config.txt');
  const fixture = image.layers[0].files.find((f) => f.path === 'etc/config.txt');
  await files.locator('[data-testid=file-row][data-path="etc/config.txt"]').getByTestId('file-preview').click();
  const preview = files.getByTestId('preview-text');
  await preview.waitFor({ timeout: 30_000 });
  const text = await preview.evaluate((el) => el.textContent);
  assert.equal(Buffer.byteLength(text), fixture.size);
  assert.equal(sha256(text), fixture.sha256, 'the preview is the file the fixture wrote');

  // A binary file is shown as hex: its first line is the first 16 bytes.
  await search(files, 'data.bin');
  await files.locator('[data-testid=file-row][data-path="opt/app/data.bin"]').getByTestId('file-preview').click();
  await files.getByTestId('preview-hex').waitFor({ timeout: 30_000 });
  assert.match(await files.getByTestId('preview-hex').innerText(), /^00000000 {2}([0-9a-f]{2} +){16}/);

  // One file downloaded: the bytes the fixture recorded.
  await search(files, 'run.sh');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    files.locator('[data-testid=file-row][data-path="opt/app/run.sh"]').getByTestId('file-download').click(),
  ]);
  assert.equal(download.suggestedFilename(), 'run.sh');
  const saved = path.join(dir, 'run.sh');
  await download.saveAs(saved);
  const bytes = (await import('node:fs')).readFileSync(saved);
  const run = image.layers[0].files.find((f) => f.path === 'opt/app/run.sh');
  assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, run.sha256);
  assert.deepEqual(errors, []);
});

test('the merged view of the whiteout fixture: deleted paths gone, each path with its last layer', async () => {
  const name = 'fixtures/explorer-whiteout:v1';
  const merged = images[name].merged.map((e) => `${e.path} ${e.type} ${e.layer}`);
  for (const width of [1280, 390]) {
    const { page, errors } = await openPage(inspectUrl(name), width);
    const files = await listFiles(page, 'merged');
    assert.deepEqual(sorted(await rows(files)), sorted(merged));
    for (const gone of ['etc/remove-me.txt', 'var/cache/x.cache', 'usr/share/doc/a.txt']) {
      assert.equal(await files.locator(`[data-path="${gone}"]`).count(), 0, `${gone} is deleted`);
    }
    await search(files, 'etc/');
    await files.locator('[data-path="etc/config.txt"]').getByTestId('file-preview').click();
    await files.getByTestId('preview-text').waitFor({ timeout: 30_000 });
    const text = await files.getByTestId('preview-text').evaluate((el) => el.textContent);
    const fixture = images[name].merged.find((e) => e.path === 'etc/config.txt');
    assert.equal(sha256(text), fixture.sha256, 'the merged view previews layer 2\'s etc/config.txt');
    await screenshot(page, `explorer-merged-${width}`);
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('the diff page of the two fixture tags shows exactly the recorded differences, from its deep link', async () => {
  const expected = reg.fixtures.explorer.diffs[0];
  const url = `${serve.origin}/#/diff?${new URLSearchParams({ a: refOf(expected.a), b: refOf(expected.b) })}`;
  for (const width of [1280, 390]) {
    const { page, errors } = await openPage(url, width);
    await page.getByTestId('diff-files').waitFor({ timeout: 60_000 });
    const digests = (id) => page.getByTestId(id).locator('li').evaluateAll((lis) => lis.map((li) => li.dataset.digest));
    assert.deepEqual(await digests('layers-shared'), expected.layers.shared);
    assert.deepEqual(await digests('layers-only-a'), expected.layers.only_a);
    assert.deepEqual(await digests('layers-only-b'), expected.layers.only_b);
    const fields = await page.getByTestId('config-change').evaluateAll((trs) => trs.map((tr) => tr.dataset.field));
    assert.deepEqual(sorted(fields), sorted(Object.keys(expected.config)));
    const paths = (id) => page.getByTestId(id).locator('li').evaluateAll((lis) => lis.map((li) => li.dataset.path));
    assert.deepEqual(sorted(await paths('files-added')), sorted(expected.files.added));
    assert.deepEqual(sorted(await paths('files-removed')), sorted(expected.files.removed));
    const changed = await page.getByTestId('file-changed').evaluateAll((trs) =>
      Object.fromEntries(trs.map((tr) => [tr.dataset.path, tr.dataset.fields.split(',').sort()])));
    const want = Object.fromEntries(Object.entries(expected.files.changed).map(([p, f]) => [p, [...f].sort()]));
    assert.deepEqual(changed, want);
    // The form holds the two references, so the view can be changed from here.
    assert.equal(await page.getByTestId('diff-a').inputValue(), refOf(expected.a));
    await screenshot(page, `explorer-diff-${width}`);
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('an archive on this computer against a reference: the recorded file and config differences', async () => {
  const expected = reg.fixtures.explorer.diffs[0];
  const archive = dockerArchive(reg.host, expected.a, path.join(dir, 'diff-a.tar'), 'diff-a:v1');
  const { page, errors } = await openPage(`${serve.origin}/#/diff`);
  await page.getByTestId('diff-a-file').setInputFiles(archive);
  assert.equal(await page.getByTestId('diff-a').isDisabled(), true, 'the archive stands for image A');
  await page.getByTestId('diff-b').fill(refOf(expected.b));
  await page.getByRole('button', { name: 'Compare' }).click();
  await page.getByTestId('diff-files').waitFor({ timeout: 60_000 });
  const fields = await page.getByTestId('config-change').evaluateAll((trs) => trs.map((tr) => tr.dataset.field));
  assert.deepEqual(sorted(fields), sorted(Object.keys(expected.config)));
  const paths = (id) => page.getByTestId(id).locator('li').evaluateAll((lis) => lis.map((li) => li.dataset.path));
  assert.deepEqual(sorted(await paths('files-added')), sorted(expected.files.added));
  assert.deepEqual(sorted(await paths('files-removed')), sorted(expected.files.removed));
  const changed = await page.getByTestId('file-changed').evaluateAll((trs) => trs.map((tr) => tr.dataset.path));
  assert.deepEqual(sorted(changed), sorted(Object.keys(expected.files.changed)));
  // skopeo's docker-archive stores the layers uncompressed, under other digests than the
  // registry's gzip'd ones; the base the two tags share is still found shared (by its content),
  // and each side keeps its own layer.
  const count = (id) => page.getByTestId(id).locator('li').count();
  for (const [id, key] of [['layers-shared', 'shared'], ['layers-only-a', 'only_a'], ['layers-only-b', 'only_b']]) {
    assert.equal(await count(id), expected.layers[key].length, id);
  }
  await screenshot(page, 'explorer-diff-archive-1280');
  assert.deepEqual(errors, []);
  await page.close();
});

test("a dropped archive's files, with not one request leaving the page", async () => {
  const name = 'fixtures/explorer-whiteout:v1';
  const archive = dockerArchive(reg.host, name, path.join(dir, 'whiteout.tar'), 'explorer-whiteout:v1');
  const { page, errors } = await openPage(`${serve.origin}/#/upload`);
  const requests = [];
  page.on('request', (r) => requests.push(`${r.method()} ${r.url()}`));
  await pickFile(page, archive);
  const files = await listFiles(page, 'merged');
  const merged = images[name].merged.map((e) => `${e.path} ${e.type} ${e.layer}`);
  assert.deepEqual(sorted(await rows(files)), sorted(merged));
  const layer2 = await listFiles(page, 2);
  assert.deepEqual(sorted(await rows(layer2)), sorted(images[name].layers[1].files.map((f) => `${f.path} ${f.type} 2`)));
  await search(files, 'new.txt');
  await listFiles(page, 3);
  await files.locator('[data-path="etc/new.txt"]').getByTestId('file-preview').click();
  await files.getByTestId('preview-text').waitFor({ timeout: 30_000 });
  const text = await files.getByTestId('preview-text').evaluate((el) => el.textContent);
  assert.equal(sha256(text), images[name].layers[2].files.find((f) => f.path === 'etc/new.txt').sha256);
  await screenshot(page, 'explorer-upload-1280');
  // The page's own module and workers come from its origin; nothing else is asked for at all.
  const leaving = requests.filter((r) => {
    const url = r.split(' ')[1];
    if (url.startsWith('blob:')) return false; // the workers' bootstraps, made on the page
    return !r.startsWith(`GET ${serve.origin}/`) || new URL(url).pathname.startsWith('/r/');
  });
  assert.deepEqual(leaving, [], 'no request through the proxy or elsewhere');
  assert.deepEqual(errors, []);
});

test('a listing can be cancelled while its layer downloads', async () => {
  const big = reg.fixtures.images['fixtures/big:v1'];
  const url = `${serve.origin}/#/inspect?${new URLSearchParams({ ref: `${reg.host}/${big.repository}:${big.tag}` })}`;
  const { page, errors } = await openPage(url);
  const files = page.getByTestId('files');
  await files.waitFor({ timeout: 60_000 });
  // From here (the page has its config) blobs are held back until Cancel was pressed, so the
  // listing is surely under way when it is.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(/\/blobs\/sha256:/, async (route) => { await held; await route.continue().catch(() => {}); });
  await files.getByTestId('files-view').selectOption('1');
  await files.getByTestId('files-list').click();
  await files.getByTestId('files-cancel').click();
  release();
  await files.locator('[data-testid=files-status][data-state=cancelled]').waitFor({ timeout: 30_000 });
  assert.match(await files.getByTestId('files-status').innerText(), /^Cancelled/);
  assert.equal(await files.getByTestId('files-cancel').count(), 0, 'nothing left to cancel');
  assert.deepEqual(errors, []);
});
