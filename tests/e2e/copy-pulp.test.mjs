// Copy through the browser: the origin-story image (two foreign layers) from the real
// distribution registry into the real Pulp, through the proxy, foreign layers allowed — Pulp ends
// up with the very manifest the fixture generator pushed (same digest, read back by skopeo) and
// every blob verifies. And a multi-platform index: one platform, all of them, then two of three
// (a new index of only those).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, screenshot, failOnPageErrors } from './lib/browser.mjs';
import { registryEnv } from './lib/registry.mjs';
import { pullBackAndCheck, pulpCounts, pulpEnv, sha256, skopeoRaw, startServeWith } from './lib/pulp.mjs';
import { workDir } from './lib/archives.mjs';
import { fillTarget, runEnds, signIn } from './lib/upload.mjs';

let serve, browser, reg, pulp, creds;
const stamp = Date.now();

before(async () => {
  reg = await registryEnv();
  pulp = await pulpEnv();
  creds = `${pulp.PULP_USER}:${pulp.PULP_PASSWORD}`;
  serve = await startServeWith(workDir('copy'), { registryHosts: [reg.host], pulp });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

async function openCopy(source) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  failOnPageErrors(page, errors);
  await page.goto(`${serve.origin}/#/copy?${new URLSearchParams({ from: source })}`);
  return { page, errors };
}

test('origin-story from distribution to Pulp, foreign layers allowed: identical digests', async () => {
  const image = reg.fixtures.images['fixtures/origin-story:windows-amd64-1.13.0'];
  const { page, errors } = await openCopy(`${reg.host}/${image.repository}:${image.tag}`);
  await page.getByTestId('layer-row').first().waitFor();
  const repository = `copy-e2e/origin-story-${stamp}`;
  await fillTarget(page, 'copy', { registry: pulp.host, repository, tag: 'copied' });
  await signIn(page.getByTestId('copy-target'), pulp.host, pulp.PULP_USER, pulp.PULP_PASSWORD);

  // Refused first, before anything is sent.
  const before = await pulpCounts(pulp);
  const panel = page.getByTestId('rejection-panel');
  await panel.waitFor();
  assert.equal(await panel.getByTestId('rejected-layer').count(), 2);
  assert.equal(await page.getByTestId('copy').count(), 0);
  assert.deepEqual(await pulpCounts(pulp), before);

  await page.getByLabel(/^Allow foreign layers/).check();
  await page.getByTestId('copy').click();
  const end = await runEnds(page);
  assert.ok(end.ok, end.text);
  assert.equal(end.digest, image.manifest.digest, 'the source manifest, byte for byte');
  const raw = skopeoRaw(`${pulp.host}/${repository}:copied`, creds);
  assert.equal(sha256(raw), image.manifest.digest);
  const { manifest } = await pullBackAndCheck({ base: pulp.PULP_URL, auth: pulp.auth, repository, reference: 'copied', creds });
  for (const layer of image.layers.filter((l) => l.foreign)) {
    assert.deepEqual(manifest.layers.find((l) => l.digest === layer.digest).urls, layer.urls);
  }
  assert.equal(await page.getByTestId('blob-row').count(), 8);
  await page.getByTestId('pulp-links').waitFor();
  await page.getByTestId('result').scrollIntoViewIfNeeded();
  await screenshot(page, 'copy-pulp-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'copy-pulp-390');
  assert.deepEqual(errors, []);
});

test('a multi-platform index: one platform becomes the tag, all of them the index, two a new index', async () => {
  const multi = reg.fixtures.images['fixtures/multi:v1'];
  const { page, errors } = await openCopy(`${reg.host}/${multi.repository}:${multi.tag}`);
  const choices = page.getByTestId('copy-platforms');
  await choices.waitFor();
  const outcome = choices.getByTestId('platforms-outcome');
  const repository = `copy-e2e/multi-${stamp}`;
  await fillTarget(page, 'copy', { registry: pulp.host, repository, tag: 'arm64' });
  await signIn(page.getByTestId('copy-target'), pulp.host, pulp.PULP_USER, pulp.PULP_PASSWORD);
  assert.ok(await page.getByTestId('copy').isDisabled(), 'nothing ticked, nothing to copy');
  const arm = multi.manifests.find((m) => m.platform.architecture === 'arm64');
  await choices.getByLabel('linux/arm64/v8', { exact: true }).check();
  await outcome.filter({ hasText: /^Only linux\/arm64\/v8: its image manifest becomes the tag/ }).waitFor();
  await page.getByTestId('copy').click();
  let end = await runEnds(page);
  assert.ok(end.ok, end.text);
  assert.equal(end.digest, arm.manifest.digest, "the arm64 image's manifest");
  assert.equal(sha256(skopeoRaw(`${pulp.host}/${repository}:arm64`, creds)), arm.manifest.digest);

  await fillTarget(page, 'copy', { registry: pulp.host, repository, tag: 'all' });
  await choices.getByLabel(/^All platforms/).check();
  await outcome.filter({ hasText: /^The index and every image, digests unchanged/ }).waitFor();
  await page.getByTestId('copy').click();
  end = await runEnds(page);
  assert.ok(end.ok, end.text);
  assert.equal(end.digest, multi.manifest.digest, 'the index itself');
  await pullBackAndCheck({ base: pulp.PULP_URL, auth: pulp.auth, repository, reference: 'all', creds });

  // Both linux images: a new index listing exactly their entries, as the source wrote them.
  await fillTarget(page, 'copy', { registry: pulp.host, repository, tag: 'linux' });
  await choices.getByLabel(/^All platforms/).uncheck();
  await choices.getByLabel('linux/amd64', { exact: true }).check();
  await choices.getByLabel('linux/arm64/v8', { exact: true }).check();
  await outcome.filter({ hasText: /^2 platforms under a new index/ }).waitFor();
  await page.getByTestId('copy').click();
  end = await runEnds(page);
  assert.ok(end.ok, end.text);
  const source = JSON.parse(skopeoRaw(`${reg.host}/${multi.repository}:${multi.tag}`).toString('utf8'));
  const { raw, manifest } = await pullBackAndCheck({ base: pulp.PULP_URL, auth: pulp.auth, repository, reference: 'linux', creds });
  assert.equal(sha256(raw), end.digest, 'the page shows the digest Pulp serves');
  assert.notEqual(end.digest, multi.manifest.digest);
  assert.deepEqual(manifest.manifests, source.manifests.filter((m) => m.platform.os === 'linux'));
  assert.deepEqual(errors, []);
});
