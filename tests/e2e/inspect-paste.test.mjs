// Skeleton smoke test: the built app, served by `waybill serve`, classifies a pasted manifest in
// real headless Chromium using the core compiled to wasm.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { launch, screenshot, failOnPageErrors } from './lib/browser.mjs';
import { startServe, ROOT } from './lib/server.mjs';

const FIXTURE = path.join(ROOT, 'tests/fixtures/manifests/portainer-windows-amd64-1.13.0.json');
let serve, browser;

before(async () => {
  serve = await startServe();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

test('pasting the origin-story manifest shows 7 layers, 2 of them foreign', async () => {
  const manifest = readFileSync(FIXTURE, 'utf8');
  const sizes = JSON.parse(manifest).layers.map((l) => l.size);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  failOnPageErrors(page, errors);

  await page.goto(`${serve.origin}/#/inspect`);
  await page.getByLabel('Manifest JSON').fill(manifest);
  await page.getByRole('button', { name: 'Classify layers' }).click();

  await assert.doesNotReject(page.getByTestId('foreign-count').getByText('2 foreign layers').waitFor());
  const rows = page.getByTestId('layer-row');
  assert.equal(await rows.count(), 7);
  // The first two rows are the foreign ones: both badges, and their urls listed.
  for (const i of [0, 1]) {
    const row = rows.nth(i);
    assert.equal(await row.locator('.badge.foreign').count(), 1, `row ${i + 1} is FOREIGN`);
    assert.equal(await row.locator('.badge.urls').count(), 1, `row ${i + 1} has URLS`);
    assert.match(await row.locator('.layer-urls').innerText(), /^https:\/\//);
    assert.match(await row.innerText(), new RegExp(`${sizes[i]} bytes`));
  }
  assert.equal(await page.locator('tr.is-foreign').count(), 2);
  const total = sizes.reduce((a, b) => a + b, 0);
  assert.match(await page.getByTestId('totals').innerText(), /7\s+layers/);
  assert.equal(await page.getByTestId('totals').locator('li').nth(1).getAttribute('title'), `${total} bytes`);
  await screenshot(page, 'inspect-paste-1280');

  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'inspect-paste-390');
  assert.deepEqual(errors, []);
});

test('a malformed manifest gets a clear error, not a blank page', async () => {
  const page = await browser.newPage();
  const errors = [];
  failOnPageErrors(page, errors);
  await page.goto(`${serve.origin}/#/inspect`);
  await page.getByLabel('Manifest JSON').fill('{"schemaVersion": 2, "layers": [');
  await page.getByRole('button', { name: 'Classify layers' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /not a manifest Waybill can read/);
  assert.match(await alert.innerText(), /line 1/);
  assert.deepEqual(errors, []);
});
