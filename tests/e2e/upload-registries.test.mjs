// Upload without foreign layers, and a corrupted archive:
// - an oci-archive written by skopeo (the plain fixture) is chosen with the page's file picker and
//   pushed to the real Pulp and to the real distribution registry: both serve the manifest the
//   archive's own index.json names (read with tar, not Waybill), and every blob verifies;
// - an oci-archive whose foreign blobs skopeo left out: the first refusal already names the missing
//   blobs and every way forward (their urls, which the proxy must permit in foreign_layer_hosts; a
//   registry that holds them, on Copy; waybill save), and so does waybill push's first refusal;
//   "Allow and fetch them" then leads straight to Push, the foreign blob is asked for through the
//   proxy only, without credentials, and the proxy's refusal of that host stops the push before
//   anything is uploaded;
// - a docker-archive with one byte of one layer flipped fails verification in the browser: the
//   page names that layer file with the digest the config promises and the one the bytes have
//   (computed here by sha256sum), and nothing reaches the registry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { launch, screenshot, failOnPageErrors } from './lib/browser.mjs';
import { registryEnv } from './lib/registry.mjs';
import { pullBackAndCheck, pulpEnv, sha256, skopeoRaw, startServeWith } from './lib/pulp.mjs';
import { waybillBin } from './lib/server.mjs';
import { corruptMember, dockerArchive, ociArchive, workDir } from './lib/archives.mjs';
import { fillTarget, pickFile, runEnds, signIn } from './lib/upload.mjs';

let serve, browser, reg, pulp, dir, strictHost;
const stamp = Date.now();

before(async () => {
  reg = await registryEnv();
  pulp = await pulpEnv();
  strictHost = reg.REGISTRY_STRICT_URL.replace(/^http:\/\//, '');
  dir = workDir('upload-registries');
  serve = await startServeWith(dir, { registryHosts: [reg.host, strictHost], pulp });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

async function openUpload() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  failOnPageErrors(page, errors);
  const proxied = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/r/')) proxied.push(`${r.method()} ${r.url()}`); });
  await page.goto(`${serve.origin}/#/upload`);
  return { page, errors, proxied };
}

test('an oci-archive without foreign layers goes to Pulp and to distribution, as its index.json names it', async () => {
  const archive = ociArchive(reg.host, 'fixtures/plain:v1', path.join(dir, 'plain-oci.tar'), 'plain:v1');
  const index = JSON.parse(execFileSync('tar', ['-xOf', archive, 'index.json'], { encoding: 'utf8' }));
  const expected = index.manifests[0].digest;

  const { page, errors } = await openUpload();
  await pickFile(page, archive);
  assert.match(await page.getByTestId('archive').innerText(), /OCI layout/);
  assert.equal(await page.getByTestId('foreign-panel').count(), 0, 'nothing foreign');

  const targets = [
    { registry: pulp.host, base: pulp.PULP_URL, auth: pulp.auth, creds: `${pulp.PULP_USER}:${pulp.PULP_PASSWORD}` },
    { registry: strictHost, base: reg.REGISTRY_STRICT_URL },
  ];
  for (const t of targets) {
    const repository = `upload-e2e/plain-oci-${stamp}`;
    await fillTarget(page, 'upload', { registry: t.registry, repository, tag: 'oci' });
    if (t.creds) await signIn(page.getByTestId('upload-target'), t.registry, pulp.PULP_USER, pulp.PULP_PASSWORD);
    await page.getByTestId('push').click();
    const end = await runEnds(page);
    assert.ok(end.ok, end.text);
    assert.equal(end.digest, expected, `${t.registry}: the manifest stored in the layout, byte for byte`);
    const raw = skopeoRaw(`${t.registry}/${repository}:oci`, t.creds);
    assert.equal(sha256(raw), expected, `${t.registry}: skopeo reads the same manifest`);
    await pullBackAndCheck({ base: t.base, auth: t.auth, repository, reference: 'oci', creds: t.creds });
  }
  assert.deepEqual(errors, []);
});

test('a corrupted layer fails verification, names the layer, and nothing is pushed', async () => {
  const archive = dockerArchive(reg.host, 'fixtures/plain:v1', path.join(dir, 'plain-corrupt.tar'));
  const image = reg.fixtures.images['fixtures/plain:v1'];
  const victim = image.layers[1];
  const member = `${victim.diffId.replace('sha256:', '')}.tar`;
  corruptMember(archive, member);
  const extracted = path.join(dir, 'victim.tar');
  execFileSync('sh', ['-c', `tar -xOf "$1" "$2" > "$3"`, 'sh', archive, member, extracted]);
  const actual = `sha256:${execFileSync('sha256sum', [extracted], { encoding: 'utf8' }).split(' ')[0]}`;
  assert.notEqual(actual, victim.diffId);

  const { page, errors, proxied } = await openUpload();
  await pickFile(page, archive);
  const repository = `upload-e2e/corrupt-${stamp}`;
  await fillTarget(page, 'upload', { registry: strictHost, repository, tag: 'v1' });
  await page.getByTestId('push').click();
  const end = await runEnds(page);
  assert.equal(end.ok, false);

  const failed = page.getByTestId('failed-blob');
  assert.equal(await failed.count(), 1, end.text);
  assert.equal(await failed.getAttribute('data-path'), member);
  assert.match(await failed.innerText(), new RegExp(`layer ${member}`));
  assert.ok((await failed.innerText()).includes(victim.diffId), 'the diff_id the config promises');
  assert.equal(await failed.getByTestId('actual').innerText(), actual);
  assert.match(await page.getByTestId('failure').innerText(), /Verification failed: nothing was sent/);

  assert.deepEqual(proxied, [], 'no request went to the registry');
  const tags = await fetch(`${reg.REGISTRY_STRICT_URL}/v2/${repository}/tags/list`);
  assert.equal(tags.status, 404, 'the registry has no such repository');
  await page.getByTestId('failure').scrollIntoViewIfNeeded();
  await screenshot(page, 'upload-corrupt-1280');
  assert.deepEqual(errors, []);
});

test('foreign blobs missing from the archive: the first refusal names them and the ways forward', async () => {
  const image = reg.fixtures.images['fixtures/origin-story:windows-amd64-1.13.0'];
  const archive = ociArchive(reg.host, 'fixtures/origin-story:windows-amd64-1.13.0', path.join(dir, 'origin-oci.tar'), 'origin:oci');
  const { page, errors, proxied } = await openUpload();
  const sent = [];
  page.on('request', (r) => sent.push({ url: r.url(), headers: r.headers() }));
  await pickFile(page, archive);
  const foreign = image.layers.filter((l) => l.foreign);
  for (const layer of foreign) {
    const row = page.locator(`[data-testid=layer-row][data-digest="${layer.digest}"]`);
    assert.equal(await row.getByTestId('presence').innerText(), 'missing', 'skopeo left the blob out');
  }
  const repository = `upload-e2e/missing-foreign-${stamp}`;
  await fillTarget(page, 'upload', { registry: strictHost, repository, tag: 'v1' });
  // The first panel: refused, and the blobs are not in the archive — with every way forward.
  const panel = page.getByTestId('rejection-panel');
  await panel.waitFor();
  assert.equal(await page.getByTestId('push').count(), 0, 'no Push while refused');
  const missing = await panel.getByTestId('absent-layer').evaluateAll((li) => li.map((l) => l.dataset.digest));
  assert.deepEqual(missing.sort(), foreign.map((l) => l.digest).sort(), 'the missing blobs are named');
  const ways = await panel.getByTestId('absent-ways').innerText();
  assert.match(ways, /not in this archive/);
  assert.match(ways, /Fetch them from their urls/);
  assert.match(ways, /foreign_layer_hosts/);
  assert.match(ways, /mcr\.microsoft\.com\.invalid/, 'the hosts the proxy must permit');
  assert.match(ways, /registry that holds them/);
  assert.equal(await panel.getByRole('link', { name: 'Copy' }).getAttribute('href'), '#/copy');
  assert.match(ways, /Export the image again.*waybill save/s);
  await panel.scrollIntoViewIfNeeded();
  await screenshot(page, 'upload-missing-foreign-first-panel-1280');
  assert.deepEqual(proxied, [], 'nothing sent');

  // waybill push says the same in its first refusal (exit 3, nothing sent).
  const cli = spawnSync(waybillBin(), ['push', archive, `${strictHost}/${repository}:v1`], { encoding: 'utf8' });
  assert.equal(cli.status, 3, cli.stderr);
  for (const layer of foreign) assert.ok(cli.stderr.includes(layer.digest), `${layer.digest} named: ${cli.stderr}`);
  assert.match(cli.stderr, /does not hold 2 of their blobs.*--fetch-foreign.*--foreign-mirror.*waybill copy.*waybill save/s);

  await panel.getByTestId('allow-and-fetch').click();
  assert.equal(await page.getByLabel(/^Allow foreign layers/).isChecked(), true);
  assert.equal(await page.getByLabel(/^Fetch missing foreign layers/).isChecked(), true);
  await page.getByTestId('push').click();
  const end = await runEnds(page);
  assert.equal(end.ok, false);
  const message = await page.getByTestId('failure-message').innerText();
  assert.match(message, /mcr\.microsoft\.com\.invalid/, message);
  const toForeign = sent.filter((r) => r.url.includes('mcr.microsoft.com.invalid'));
  for (const r of toForeign) {
    assert.ok(new URL(r.url).pathname.startsWith('/r/mcr.microsoft.com.invalid/'), `through the proxy: ${r.url}`);
    assert.equal(r.headers.authorization, undefined, 'no credentials to a foreign host');
  }
  assert.equal(proxied.filter((r) => /^(POST|PATCH|PUT) /.test(r)).length, 0, `nothing uploaded: ${proxied.join(', ')}`);
  const tags = await fetch(`${reg.REGISTRY_STRICT_URL}/v2/${repository}/tags/list`);
  assert.equal(tags.status, 404, 'the registry has no such repository');
  await page.getByTestId('failure').scrollIntoViewIfNeeded();
  await screenshot(page, 'upload-missing-foreign-1280');
  assert.deepEqual(errors.filter((e) => !/status of 40[34]/.test(e)), []);
});
