// Issue 15's test 2: a bundle dropped on Upload lists every image, and pushes them all (or the
// ones ticked, tags kept or renamed) into a registry under a repository prefix — the core's
// `load`, as `waybill load` runs it, in the push worker, through `waybill serve`.
// The bundle is written by `waybill save` from the seeded real distribution registry: an image,
// an index of two platforms, and the Windows-like image with two foreign layers (saved with
// --allow-foreign-layers, so their blobs are in it). Its three images come from three
// repositories, so each lands under the prefix in its own repository.
// - Without "Allow foreign layers", the Windows image is refused and shown, the other two land
//   with the registry's digests (read back with skopeo), one of them under a tag renamed in the
//   table; an unticked one is not pushed.
// - With it, all three land; each is read back with skopeo and every blob hashed.
// - A bundle with one blob corrupted sends nothing at all (no upload POST, no manifest PUT, counted
//   on the page's and its workers' requests), and every row says it failed verification.
// - An OCI layout of two refs, written by skopeo, lands under the ref names.
// - The bundle list at 1280 and 390 px, light and dark (lib/checks.mjs): screenshots
//   upload-bundle-<width>-<theme>.png in target/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { launch, failOnPageErrors } from './lib/browser.mjs';
import { ACCEPT, registryEnv } from './lib/registry.mjs';
import { pullBackAndCheck, skopeoRaw, sha256, startServeWith } from './lib/pulp.mjs';
import { corruptMember, workDir } from './lib/archives.mjs';
import { waybillBin } from './lib/server.mjs';
import { pickFile } from './lib/upload.mjs';
import { checkPage } from './lib/checks.mjs';

const FIXTURES = ['fixtures/plain:v1', 'fixtures/multi:v1', 'fixtures/origin-story:windows-amd64-1.13.0'];
const WINDOWS = 'fixtures/origin-story';
let serve, browser, reg, dir, bundle;
const stamp = Date.now();

before(async () => {
  reg = await registryEnv();
  dir = workDir('upload-bundle');
  bundle = path.join(dir, 'bundle.tar');
  execFileSync(waybillBin(), ['save', ...FIXTURES.map((f) => `${reg.host}/${f}`), '--allow-foreign-layers', '-o', bundle],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  serve = await startServeWith(dir, { registryHosts: [reg.host] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

/** A page with `file` dropped on Upload, the registry and `prefix` filled in; and its upload
 *  and manifest requests (the push worker's included). */
async function dropped(file, prefix, width = 1280) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors = [];
  failOnPageErrors(page, errors);
  const sent = [];
  page.on('request', (r) => {
    const m = r.method();
    if ((m === 'POST' && r.url().includes('/blobs/uploads/')) || (m === 'PUT' && r.url().includes('/manifests/'))) sent.push(`${m} ${r.url()}`);
  });
  await page.goto(`${serve.origin}/#/upload`);
  await pickFile(page, file);
  await page.getByTestId('bundle').waitFor();
  await page.fill('#upload-target-registry', reg.host);
  await page.fill('#upload-target-repository', prefix);
  return { page, errors, sent };
}

/** The table's rows: the image each names, its tag field, and its outcome once finished. */
async function rows(page) {
  return page.getByTestId('bundle-row').evaluateAll((trs) => trs.map((tr) => ({
    image: tr.querySelector('td[data-label=Image]').textContent,
    tag: tr.querySelector('[data-testid=bundle-tag]').value,
    state: tr.dataset.state ?? null,
    reason: tr.querySelector('[data-testid=mirror-reason]')?.textContent ?? null,
  })));
}

/** The row of `fixture` (its repository named in the Image cell). */
function rowOf(all, fixture) {
  const i = all.findIndex((r) => r.image.includes(`/${fixture.split(':')[0]}:`));
  assert.ok(i >= 0, `a row for ${fixture}: ${JSON.stringify(all)}`);
  return i;
}

/** Pushes and waits for the summary; returns each row. */
async function pushAll(page) {
  await page.getByTestId('bundle-push').click();
  await page.getByTestId('bundle-result').waitFor({ timeout: 240_000 });
  return rows(page);
}

/** Whether the registry has `repository:tag` (a HEAD on its API, independently of Waybill). */
async function present(repository, tag) {
  const res = await fetch(`${reg.REGISTRY_FOREIGN_URL}/v2/${repository}/manifests/${tag}`, { method: 'HEAD', headers: { Accept: ACCEPT } });
  return res.status === 200;
}

/** The manifest digest of `repository:tag` in the registry (skopeo's raw bytes, hashed). */
function digestAt(repository, tag) {
  return sha256(skopeoRaw(`${reg.host}/${repository}:${tag}`));
}

test('the bundle lists three images; ticked ones land, renamed, the foreign one refused unless allowed', async () => {
  const prefix = `bundle-e2e/one-${stamp}`;
  const { page, errors } = await dropped(bundle, prefix);
  let all = await rows(page);
  assert.equal(all.length, 3, JSON.stringify(all));
  for (const f of FIXTURES) assert.equal(all[rowOf(all, f)].tag, f.split(':')[1], `${f} keeps its tag`);

  // The plain image renamed; the index unticked; the Windows image refused without the toggle.
  const plain = rowOf(all, FIXTURES[0]);
  const multi = rowOf(all, FIXTURES[1]);
  const windows = rowOf(all, FIXTURES[2]);
  await page.getByTestId('bundle-tag').nth(plain).fill('renamed');
  await page.getByTestId('bundle-tick').nth(multi).uncheck();
  assert.equal(await page.getByTestId('bundle-push').innerText(), 'Verify and push 2 images');
  all = await pushAll(page);
  assert.equal(all[plain].state, 'copied', JSON.stringify(all[plain]));
  assert.equal(all[multi].state, null, 'the unticked image is not pushed');
  assert.equal(all[windows].state, 'refused', JSON.stringify(all[windows]));
  assert.match(all[windows].reason, /foreign/);
  assert.equal(digestAt(`${prefix}/fixtures/plain`, 'renamed'), reg.fixtures.images[FIXTURES[0]].manifest.digest);
  assert.equal(await present(`${prefix}/fixtures/plain`, 'v1'), false, 'the old tag name is not used');
  assert.equal(await present(`${prefix}/fixtures/multi`, 'v1'), false, 'the unticked image is not in the registry');
  assert.equal(await present(`${prefix}/${WINDOWS}`, 'windows-amd64-1.13.0'), false, 'the refused image is not in the registry');
  assert.match(await page.getByTestId('bundle-counts').innerText(), /^1 pushed, 1 refused, 0 failed/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('with foreign layers allowed, all three land with their digests, every blob read back', async () => {
  const prefix = `bundle-e2e/all-${stamp}`;
  const { page, errors } = await dropped(bundle, prefix);
  await page.getByTestId('bundle-allow-foreign').check();
  const all = await pushAll(page);
  for (const f of FIXTURES) {
    const [repository, tag] = f.split(':');
    assert.equal(all[rowOf(all, f)].state, 'copied', JSON.stringify(all));
    assert.equal(digestAt(`${prefix}/${repository}`, tag), reg.fixtures.images[f].manifest.digest, `${f} keeps its digest`);
    await pullBackAndCheck({ base: reg.REGISTRY_FOREIGN_URL, repository: `${prefix}/${repository}`, reference: tag });
  }
  assert.match(await page.getByTestId('bundle-counts').innerText(), /^3 pushed, 0 refused, 0 failed/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a bundle with one corrupted blob sends nothing, and every row says why', async () => {
  const corrupted = path.join(dir, 'corrupted.tar');
  copyFileSync(bundle, corrupted);
  const layer = reg.fixtures.images[FIXTURES[0]].layers[0].digest.replace('sha256:', '');
  corruptMember(corrupted, `blobs/sha256/${layer}`);
  const prefix = `bundle-e2e/corrupted-${stamp}`;
  const { page, errors, sent } = await dropped(corrupted, prefix);
  await page.getByTestId('bundle-allow-foreign').check();
  const all = await pushAll(page);
  for (const row of all) {
    assert.equal(row.state, 'failed', JSON.stringify(row));
    assert.match(row.reason, /failed verification/);
  }
  assert.deepEqual(sent, [], 'no upload started and no manifest pushed');
  for (const f of FIXTURES) assert.equal(await present(`${prefix}/${f.split(':')[0]}`, f.split(':')[1]), false, `${f} is not in the registry`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an OCI layout with two refs written by skopeo: each lands under its ref name', async () => {
  // skopeo copies each image into one layout directory under its own ref name (converting its
  // manifest to OCI, so the layout's index.json says what the digests are); GNU tar packs it.
  const layout = path.join(dir, 'layout');
  const refs = { one: FIXTURES[0], two: FIXTURES[1] };
  for (const [ref, fixture] of Object.entries(refs)) {
    execFileSync('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${reg.host}/${fixture}`, `oci:${layout}:${ref}`],
      { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const archive = path.join(dir, 'layout.tar');
  execFileSync('tar', ['-cf', archive, '-C', layout, '.']);
  const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
  const digestOf = (ref) => index.manifests.find((m) => m.annotations['org.opencontainers.image.ref.name'] === ref).digest;

  const prefix = `bundle-e2e/layout-${stamp}`;
  const { page, errors } = await dropped(archive, prefix);
  const all = await pushAll(page);
  assert.deepEqual(all.map((r) => [r.tag, r.state]).sort(), [['one', 'copied'], ['two', 'copied']]);
  for (const ref of Object.keys(refs)) assert.equal(digestAt(prefix, ref), digestOf(ref), `${ref} keeps the layout's digest`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the bundle list at 1280 and 390 px, light and dark', async () => {
  for (const width of [1280, 390]) {
    const { page } = await dropped(bundle, `bundle-e2e/look-${stamp}`, width);
    await page.getByTestId('bundle-table').scrollIntoViewIfNeeded();
    await checkPage(page, 'upload-bundle');
    await page.close();
  }
});
