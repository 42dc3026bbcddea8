// Issue 15's test 1 in the browser: Copy's repository mode mirrors a repository of the real
// distribution registry into the real Pulp, through the proxy, with the core's sync.
// The source repository is made here, unique per run, from the seeded fixtures (manifests PUT
// byte for byte, blobs mounted within the registry, so digests stay the fixtures'): four tags to
// copy — one image, an index, an index with attestations, and the Windows-like image with two
// foreign layers — one tag the exclude filter leaves out, and a cosign-style signature of the
// plain image that must travel along as its companion.
// - Without "Allow foreign layers", the Windows tag is refused and shown, the other three land in
//   Pulp with the source's digests (read back with skopeo), the signature with them.
// - With it, the Windows tag lands too (every blob read back and hashed).
// - A rerun finds every tag up to date and sends no upload (POST …/blobs/uploads/), counted on
//   the page's requests, its push worker's included (the sync runs in the worker).
// - The page at 1280 and 390 px, light and dark: axe, focus rings, no sideways scrolling
//   (lib/checks.mjs); screenshots copy-repo-<width>-<theme>.png in target/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, failOnPageErrors, screenshot } from './lib/browser.mjs';
import { ACCEPT, copyWithin, ok, putBlob, registryEnv } from './lib/registry.mjs';
import { pullBackAndCheck, pulpEnv, sha256, skopeoRaw, startServeWith } from './lib/pulp.mjs';
import { workDir } from './lib/archives.mjs';
import { signIn } from './lib/upload.mjs';
import { assertFits, checkPage } from './lib/checks.mjs';


let serve, browser, reg, pulp, creds;
const stamp = Date.now();
const SOURCE = `copyrepo-e2e/src-${stamp}`;
const DEST = `copyrepo-e2e/dst-${stamp}`;
// Tag in the source repository ← fixture it copies.
const TAGS = {
  plain: 'fixtures/plain:v1',
  multi: 'fixtures/multi:v1',
  attested: 'fixtures/attested:v1',
  windows: 'fixtures/origin-story:windows-amd64-1.13.0',
};
const EXCLUDED = 'plain-old';

before(async () => {
  reg = await registryEnv();
  pulp = await pulpEnv();
  creds = `${pulp.PULP_USER}:${pulp.PULP_PASSWORD}`;
  serve = await startServeWith(workDir('copy-repo'), { registryHosts: [reg.host], pulp });
  browser = await launch();
  const base = reg.REGISTRY_FOREIGN_URL;
  for (const [tag, fixture] of [...Object.entries(TAGS), [EXCLUDED, TAGS.plain]]) {
    const [repository, from] = fixture.split(':');
    await copyWithin(base, repository, from, SOURCE, tag);
  }
  await signature(base, SOURCE, reg.fixtures.images[TAGS.plain].manifest.digest);
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

/** A cosign-style signature of `subject` in `repository`: tag `sha256-<hex>.sig`. */
async function signature(base, repository, subject) {
  const payload = Buffer.from(JSON.stringify({ critical: { image: { 'docker-manifest-digest': subject }, type: 'cosign container image signature' } }));
  const config = Buffer.from(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [] }, config: {} }));
  const layer = await putBlob(base, repository, payload);
  const cfg = await putBlob(base, repository, config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
    layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', ...layer, annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQ==' } }],
  }));
  const tag = `${subject.replace(':', '-')}.sig`;
  await ok(await fetch(`${base}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT', headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, body: manifest,
  }), `PUT ${tag}`);
  return tag;
}

/** Each row's tag → its data-state (outcome) once the run ended. */
async function outcomes(page) {
  await page.getByTestId('mirror-result').waitFor({ timeout: 240_000 });
  return Object.fromEntries(await page.getByTestId('mirror-tag').evaluateAll(
    (rows) => rows.map((r) => [r.dataset.tag, r.dataset.state]),
  ));
}

/** Whether Pulp serves `repository:tag` (a HEAD on its registry API). */
async function inPulp(repository, tag) {
  const res = await fetch(`${pulp.PULP_URL}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD', headers: { Authorization: pulp.auth, Accept: ACCEPT },
  });
  return res.status === 200;
}

test('a repository into Pulp: the foreign tag refused then allowed, digests kept, a rerun sends nothing', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  failOnPageErrors(page, errors);
  const uploads = [];
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/blobs/uploads/')) uploads.push(r.url()); });

  // The deep link fills the page in and lists the tags at once.
  const query = new URLSearchParams({ mode: 'repository', from: `${reg.host}/${SOURCE}`, to: `${pulp.host}/${DEST}`, exclude: '*-old' });
  await page.goto(`${serve.origin}/#/copy?${query}`);
  await page.getByTestId('mirror-form').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('mode-repository').getAttribute('aria-current'), 'page');
  assert.equal(await page.locator('#mirror-exclude').inputValue(), '*-old');
  await signIn(page.getByTestId('mirror-target'), pulp.host, pulp.PULP_USER, pulp.PULP_PASSWORD);

  const rows = page.getByTestId('mirror-tag');
  await page.locator(`[data-testid=mirror-tag][data-tag=windows]`).waitFor({ timeout: 60_000 });
  const listed = await rows.evaluateAll((r) => r.map((row) => row.dataset.tag));
  assert.deepEqual([...listed].sort(), Object.keys(TAGS).sort(), 'the excluded tag and the signature are not rows');
  await page.getByRole('heading', { name: '4 of 6 tags chosen' }).waitFor();

  // The preview: the source's digests, platforms, foreign layers; nothing at the destination yet.
  for (const [tag, fixture] of Object.entries(TAGS)) {
    const row = page.locator(`[data-testid=mirror-tag][data-tag="${tag}"]`);
    await row.getByTestId('mirror-destination').filter({ hasText: 'missing' }).waitFor({ timeout: 60_000 });
    assert.equal(await row.getByTestId('mirror-digest').innerText(), reg.fixtures.images[fixture].manifest.digest, tag);
    assert.equal(await row.getAttribute('data-foreign'), tag === 'windows' ? '2' : '0', `${tag}: foreign layers`);
  }
  assert.match(await page.locator('[data-testid=mirror-tag][data-tag=multi]').innerText(), /linux\/arm64\/v8/);
  assert.match(await page.getByTestId('mirror-foreign-hint').innerText(), /^1 chosen tag has foreign layers/);

  // Without the toggle: the Windows tag is refused and shown; the others land, digests kept.
  const allow = page.getByLabel(/^Allow foreign layers/);
  assert.equal(await allow.isChecked(), false);
  await page.getByTestId('mirror-run').click();
  assert.deepEqual(await outcomes(page), { attested: 'copied', multi: 'copied', plain: 'copied', windows: 'refused' });
  assert.ok(uploads.length > 0, "the first run's uploads are counted: the push worker's requests are the page's");
  const refused = page.locator('[data-testid=mirror-tag][data-tag=windows]');
  assert.match(await refused.getByTestId('mirror-reason').innerText(), /foreign/);
  assert.equal(await inPulp(DEST, 'windows'), false, 'nothing of the refused tag in Pulp');
  for (const tag of ['plain', 'multi', 'attested']) {
    const raw = skopeoRaw(`${pulp.host}/${DEST}:${tag}`, creds);
    assert.equal(sha256(raw), reg.fixtures.images[TAGS[tag]].manifest.digest, `${tag}: the same manifest in Pulp`);
  }
  const plainDigest = reg.fixtures.images[TAGS.plain].manifest.digest;
  const sig = `${plainDigest.replace(':', '-')}.sig`;
  assert.match(await page.locator('[data-testid=mirror-tag][data-tag=plain]').getByTestId('mirror-companions').innerText(), new RegExp(sig));
  assert.equal(sha256(skopeoRaw(`${pulp.host}/${DEST}:${sig}`, creds)), sha256(skopeoRaw(`${reg.host}/${SOURCE}:${sig}`)), 'the signature came along');
  assert.equal(await page.getByTestId('mirror-cancel').count(), 0, 'no Cancel once the run ended');
  await page.getByTestId('pulp-links').waitFor({ timeout: 60_000 });
  await screenshot(page, 'copy-repo-refused-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  await assertFits(page, 'the refusal at 390 px');
  await screenshot(page, 'copy-repo-refused-390');
  await page.setViewportSize({ width: 1280, height: 900 });

  // With the toggle: the Windows tag lands too; the others are up to date.
  await allow.check();
  await page.getByTestId('mirror-run').click();
  assert.deepEqual(await outcomes(page), { attested: 'up to date', multi: 'up to date', plain: 'up to date', windows: 'copied' });
  const windows = reg.fixtures.images[TAGS.windows];
  assert.equal(sha256(skopeoRaw(`${pulp.host}/${DEST}:windows`, creds)), windows.manifest.digest);
  await pullBackAndCheck({ base: pulp.PULP_URL, auth: pulp.auth, repository: DEST, reference: 'windows', creds });

  // A rerun: every tag up to date, no upload started.
  uploads.length = 0;
  await page.getByTestId('mirror-run').click();
  assert.deepEqual(await outcomes(page), { attested: 'up to date', multi: 'up to date', plain: 'up to date', windows: 'up to date' });
  assert.deepEqual(uploads, [], 'a rerun sends no upload');
  for (const tag of Object.keys(TAGS)) {
    await page.locator(`[data-testid=mirror-tag][data-tag="${tag}"]`).getByTestId('mirror-destination')
      .filter({ hasText: 'up to date' }).waitFor({ timeout: 60_000 });
  }
  assert.match(await page.getByTestId('mirror-counts').innerText(), /^0 copied, 4 already up to date, 0 refused, 0 failed/);
  await page.getByTestId('pulp-links').waitFor({ timeout: 60_000 });

  await checkPage(page, 'copy-repo');
  await page.setViewportSize({ width: 390, height: 844 });
  await checkPage(page, 'copy-repo');
  // Chromium logs the answers the sync expects on the page: Pulp's 401 challenges before the core
  // sends the login, and the 404s of the manifests, referrers and blobs it asks for. Anything else fails.
  assert.deepEqual(errors.filter((e) => !/status of (401 \(Unauthorized\)|404 \(Not Found\))$/.test(e)), []);
});
