// The Upload and Copy pages themselves: they are a module of their own, downloaded only when one
// of them is first opened (the app's initial download stays small) and mounted again on every
// visit; and Upload works from the keyboard alone — the file picker, the target form, Push.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launch, screenshot, failOnPageErrors } from './lib/browser.mjs';
import { registryEnv } from './lib/registry.mjs';
import { sha256, skopeoRaw, startServeWith } from './lib/pulp.mjs';
import { dockerArchive, workDir } from './lib/archives.mjs';
import { runEnds } from './lib/upload.mjs';

let serve, browser, reg, dir, strictHost;

before(async () => {
  reg = await registryEnv();
  strictHost = reg.REGISTRY_STRICT_URL.replace(/^http:\/\//, '');
  dir = workDir('upload-page');
  serve = await startServeWith(dir, { registryHosts: [reg.host, strictHost] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

test('Upload and Copy are downloaded on first use only, and mounted on every visit', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  failOnPageErrors(page, errors);
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  await page.goto(`${serve.origin}/#/inspect`);
  await page.locator('#reference').waitFor();
  assert.deepEqual(fetched.filter((p) => p.includes('transfer')), [], 'Inspect does not load the transfer module');

  await page.getByRole('link', { name: 'Upload', exact: true }).click();
  await page.getByTestId('drop-zone').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Upload', exact: true }).getAttribute('aria-current'), 'page');
  await page.getByRole('link', { name: 'Inspect', exact: true }).click();
  await page.locator('#reference').waitFor();
  assert.equal(await page.getByTestId('drop-zone').count(), 0, 'unmounted when leaving');
  await page.getByRole('link', { name: 'Copy', exact: true }).click();
  await page.locator('#copy-source').waitFor();
  await page.getByRole('link', { name: 'Upload', exact: true }).click();
  await page.getByTestId('drop-zone').waitFor();
  assert.equal(await page.getByTestId('drop-zone').count(), 1, 'mounted once');
  assert.deepEqual(
    fetched.filter((p) => p.includes('transfer')).sort(),
    // start-transfer.js starts the module from the glue's global scope (the page's CSP forbids eval).
    ['/start-transfer.js', '/waybill-transfer.js', '/waybill-transfer_bg.wasm'],
    'the transfer module was downloaded once',
  );
  assert.deepEqual(errors, []);
});

test('keyboard only: choose the file, fill the target, push', async () => {
  const archive = dockerArchive(reg.host, 'fixtures/plain:v1', path.join(dir, 'plain.tar'));
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  failOnPageErrors(page, errors);
  // Listening from the start: Playwright intercepts file choosers only once someone listens, and
  // a chooser opened before that goes to the (headless, cancelled) native dialog instead.
  const chosen = page.waitForEvent('filechooser', { timeout: 60_000 });
  await page.goto(`${serve.origin}/#/upload`);
  await page.getByTestId('choose-file').waitFor();
  // From the top of the page, Tab reaches "Choose a file…"; Enter opens the picker.
  await page.keyboard.press('Tab');
  let tabs = 1;
  while (!(await page.getByTestId('choose-file').evaluate((b) => b === document.activeElement))) {
    await page.keyboard.press('Tab');
    tabs += 1;
    assert.ok(tabs < 12, 'the file button is reachable within a few Tabs');
  }
  await page.keyboard.press('Enter');
  await (await chosen).setFiles(archive);
  await page.getByTestId('archive').waitFor();

  // Each target field has its label; typing goes where the label says.
  const repository = `upload-e2e/keyboard-${Date.now()}`;
  await page.getByLabel('Registry', { exact: true }).focus();
  await page.keyboard.type(strictHost);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(repository);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('kb');
  // Tab on to the Push button (past the login form's summary and the chunk size).
  for (let i = 0; i < 10 && !(await page.getByTestId('push').evaluate((b) => b === document.activeElement)); i += 1) {
    await page.keyboard.press('Tab');
  }
  assert.ok(await page.getByTestId('push').evaluate((b) => b === document.activeElement), 'Push is reachable by Tab');
  await page.keyboard.press('Enter');
  const end = await runEnds(page);
  assert.ok(end.ok, end.text);
  assert.equal(sha256(skopeoRaw(`${strictHost}/${repository}:kb`)), end.digest);
  await screenshot(page, 'upload-keyboard-1280');
  assert.deepEqual(errors, []);
});
