// The Pulp result at 390 and 1280 px, light and dark (issue 16: its REST links were 461 px wide on
// a phone): a push of the plain fixture into the real Pulp, then what Pulp made of it — the
// distribution's pull command and base path, the repository, the pulp-cli commands — fits 390 px,
// has no raw REST URL, and axe finds no serious or critical violation (lib/checks.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launch, failOnPageErrors } from './lib/browser.mjs';
import { registryEnv } from './lib/registry.mjs';
import { pulpEnv, startServeWith } from './lib/pulp.mjs';
import { dockerArchive, workDir } from './lib/archives.mjs';
import { dropFile, fillTarget, runEnds, signIn } from './lib/upload.mjs';
import { checkPage } from './lib/checks.mjs';

let serve, browser, reg, pulp, archive;
const stamp = Date.now();

before(async () => {
  reg = await registryEnv();
  pulp = await pulpEnv();
  const dir = workDir('layout-pulp');
  archive = dockerArchive(reg.host, 'fixtures/plain:v1', path.join(dir, 'plain.tar'));
  serve = await startServeWith(dir, { registryHosts: [reg.host], pulp });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

for (const width of [390, 1280]) {
  test(`${width} px: the Pulp result`, async () => {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    const errors = [];
    failOnPageErrors(page, errors);
    await page.goto(`${serve.origin}/#/upload`);
    await dropFile(page, archive);
    const repository = `layout-e2e/plain-${width}-${stamp}`;
    await fillTarget(page, 'upload', { registry: pulp.host, repository, tag: 'v1' });
    await signIn(page.getByTestId('upload-target'), pulp.host, pulp.PULP_USER, pulp.PULP_PASSWORD);
    await page.getByTestId('push').click();
    const end = await runEnds(page);
    assert.ok(end.ok, end.text);
    await page.getByTestId('pulp-links').waitFor();
    assert.equal(await page.getByTestId('pulp-pull').innerText(), `docker pull ${pulp.host}/${repository}:v1`);
    assert.equal(await page.getByTestId('pulp-cli').innerText(), `pulp container repository show --name ${repository}`);
    assert.equal(await page.getByTestId('pulp-links').locator('a').count(), 0, 'no raw REST URL');
    await page.getByTestId('pulp-links').scrollIntoViewIfNeeded();
    await checkPage(page, 'layout-pulp-result');
    assert.deepEqual(errors, []);
  });
}
